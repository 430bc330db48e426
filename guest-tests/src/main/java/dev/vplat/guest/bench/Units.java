package dev.vplat.guest.bench;

import java.util.Locale;

/** How figures are printed: SI prefixes for rates, binary ones for bytes, ms for times. */
final class Units {
    static final String OPS = "ops/s";
    static final String BYTES_PER_SECOND = "B/s";
    static final String SECONDS = "s";
    static final String BYTES = "B";

    private Units() {
    }

    static String format(double value, String unit) {
        if (Double.isNaN(value)) {
            return "-";
        }
        switch (unit) {
            case SECONDS:
                return String.format(Locale.ROOT, "%.0f ms", value * 1e3);
            case BYTES:
                return value >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", value / (1L << 30))
                        : String.format(Locale.ROOT, "%.1f MiB", value / (1L << 20));
            case BYTES_PER_SECOND:
                return String.format(Locale.ROOT, "%.2f GB/s", value / 1e9);
            default:
                return si(value) + " " + unit;
        }
    }

    static String si(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String ratio(double r) {
        if (Double.isNaN(r)) {
            return "-";
        }
        return r >= 100 ? String.format(Locale.ROOT, "%.0f", r)
                : r >= 0.01 ? String.format(Locale.ROOT, "%.3f", r) : String.format(Locale.ROOT, "%.2e", r);
    }
}
