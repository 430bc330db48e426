package dev.vplat.guest.bench;

/**
 * One line of the bench table: what was measured, its value, the baseline measured in the same
 * run and the ratio value ÷ baseline. A row that could not be measured (QEMU missing, an
 * operation the baseline cannot do) has NaN figures and says why in {@code note}.
 *
 * @param id       stable key for the JSON and the chart, e.g. {@code rt.tcp.binary}
 * @param section  the bench item the row belongs to (1–6, JMH)
 * @param what     what vplat did
 * @param value    the measured figure, in {@code unit}
 * @param baseline the baseline's figure, in the same unit
 * @param against  what the baseline is
 * @param target   the goal for this row, or null
 * @param note     anything a reader needs to interpret the row (empty when nothing)
 */
public record Row(String id, String section, String what, double value, String unit, double baseline, String against,
                  Target target, String note) {
    public Row {
        note = note == null ? "" : note;
    }

    /** A row whose measurement did not happen, with the reason. */
    public static Row missing(String id, String section, String what, String unit, String against, Target target,
                              String why) {
        return new Row(id, section, what, Double.NaN, unit, Double.NaN, against, target, why);
    }

    public Row withNote(String text) {
        return new Row(id, section, what, value, unit, baseline, against, target, text);
    }

    /** value ÷ baseline; NaN when either is missing. */
    public double ratio() {
        return Double.isNaN(value) || Double.isNaN(baseline) || baseline == 0 ? Double.NaN : value / baseline;
    }

    /** Whether the target is met; null without a target or without figures. */
    public Boolean targetMet() {
        return target == null ? null : target.met(value, ratio());
    }
}
