package dev.vplat.guest.bench;

import java.util.Locale;

/**
 * A goal from the project's benchmark issue, checked against either the row's ratio or its
 * value. Targets are reported, never enforced: a missed one is a finding, not a failure.
 */
public record Target(Kind kind, double bound, String text) {
    /** What the bound applies to and in which direction. */
    public enum Kind { RATIO_AT_LEAST, RATIO_AT_MOST, VALUE_AT_LEAST, VALUE_AT_MOST }

    public static Target ratioAtLeast(double bound, String text) {
        return new Target(Kind.RATIO_AT_LEAST, bound, text);
    }

    public static Target ratioAtMost(double bound, String text) {
        return new Target(Kind.RATIO_AT_MOST, bound, text);
    }

    public static Target valueAtLeast(double bound, String text) {
        return new Target(Kind.VALUE_AT_LEAST, bound, text);
    }

    public static Target valueAtMost(double bound, String text) {
        return new Target(Kind.VALUE_AT_MOST, bound, text);
    }

    /** Whether {@code value} (and its {@code ratio}) meet the goal; null when either is unknown. */
    public Boolean met(double value, double ratio) {
        double x = kind == Kind.RATIO_AT_LEAST || kind == Kind.RATIO_AT_MOST ? ratio : value;
        if (Double.isNaN(x)) {
            return null;
        }
        return kind == Kind.RATIO_AT_LEAST || kind == Kind.VALUE_AT_LEAST ? x >= bound : x <= bound;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s", text);
    }
}
