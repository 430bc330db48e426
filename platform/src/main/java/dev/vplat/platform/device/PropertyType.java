package dev.vplat.platform.device;

import java.util.List;
import java.util.Locale;

/**
 * How a property's text form (from {@code --device edu,dma_mask=0xfffffff}) becomes a value.
 * Numbers use C syntax like QEMU's: {@code 0x} hex, {@code 0} octal, decimal, and an optional
 * K/M/G/T suffix for sizes.
 */
public interface PropertyType<T> {
    T parse(String text);

    String describe();

    PropertyType<Boolean> BOOL = new PropertyType<>() {
        @Override
        public Boolean parse(String text) {
            switch (text.toLowerCase(Locale.ROOT)) {
                case "on": case "true": case "yes": case "1":
                    return true;
                case "off": case "false": case "no": case "0":
                    return false;
                default:
                    throw new IllegalArgumentException("expected on/off, got '" + text + "'");
            }
        }

        @Override
        public String describe() {
            return "on|off";
        }
    };

    PropertyType<String> STRING = new PropertyType<>() {
        @Override
        public String parse(String text) {
            return text;
        }

        @Override
        public String describe() {
            return "string";
        }
    };

    /** An unsigned 64-bit integer in [min, max] (unsigned comparison). */
    static PropertyType<Long> uint(long min, long max) {
        return new PropertyType<>() {
            @Override
            public Long parse(String text) {
                long v = parseNumber(text);
                check(v);
                return v;
            }

            @Override
            public void check(Long v) {
                if (Long.compareUnsigned(v, min) < 0 || Long.compareUnsigned(v, max) > 0) {
                    throw new IllegalArgumentException("value " + Long.toUnsignedString(v) + " (0x"
                            + Long.toHexString(v) + ") is outside [" + Long.toUnsignedString(min)
                            + ", " + Long.toUnsignedString(max) + "]");
                }
            }

            @Override
            public String describe() {
                return "integer " + Long.toUnsignedString(min) + ".." + Long.toUnsignedString(max);
            }
        };
    }

    static PropertyType<String> oneOf(String... choices) {
        List<String> list = List.of(choices);
        return new PropertyType<>() {
            @Override
            public String parse(String text) {
                check(text);
                return text;
            }

            @Override
            public void check(String value) {
                if (!list.contains(value)) {
                    throw new IllegalArgumentException("expected one of " + String.join("|", list) + ", got '" + value + "'");
                }
            }

            @Override
            public String describe() {
                return String.join("|", list);
            }
        };
    }

    /**
     * Checks a value that did not come from text (a declared default); rejects what
     * {@link #parse} would reject. Types without constraints accept everything.
     */
    default void check(T value) {
    }

    /**
     * Parses C-syntax unsigned numbers like QEMU's {@code qemu_strtou64}/{@code qemu_strtosz}:
     * {@code 0x} hex, a leading {@code 0} octal, else decimal, with an optional binary size
     * suffix K, M, G, T, P or E (either case). After {@code 0x} a trailing letter that is a hex
     * digit is a digit, so {@code 0x1E} is 30 and never 1 EiB; signs, blanks inside and
     * overflow are rejected.
     */
    static long parseNumber(String text) {
        String t = text.trim();
        boolean hex = t.length() > 2 && t.charAt(0) == '0' && (t.charAt(1) == 'x' || t.charAt(1) == 'X');
        String digits = hex ? t.substring(2) : t;
        int radix = hex ? 16 : digits.length() > 1 && digits.charAt(0) == '0' ? 8 : 10;
        int shift = 0;
        if (!digits.isEmpty()) {
            char last = digits.charAt(digits.length() - 1);
            int suffix = "KMGTPE".indexOf(Character.toUpperCase(last));
            if (suffix >= 0 && Character.digit(last, radix) < 0) {
                shift = 10 * (suffix + 1);
                digits = digits.substring(0, digits.length() - 1);
            }
        }
        if (digits.isEmpty() || !allDigits(digits, radix)) {
            throw new IllegalArgumentException("expected a number, got '" + text + "'");
        }
        long v;
        try {
            v = Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number '" + text + "' overflows 64 bits");
        }
        if (shift != 0 && Long.compareUnsigned(v, -1L >>> shift) > 0) {
            throw new IllegalArgumentException("number '" + text + "' overflows 64 bits");
        }
        return v << shift;
    }

    private static boolean allDigits(String digits, int radix) {
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), radix) < 0) {
                return false;
            }
        }
        return true;
    }
}
