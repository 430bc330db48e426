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
                if (Long.compareUnsigned(v, min) < 0 || Long.compareUnsigned(v, max) > 0) {
                    throw new IllegalArgumentException("value " + text + " is outside [" + Long.toUnsignedString(min)
                            + ", " + Long.toUnsignedString(max) + "]");
                }
                return v;
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
                if (!list.contains(text)) {
                    throw new IllegalArgumentException("expected one of " + String.join("|", list) + ", got '" + text + "'");
                }
                return text;
            }

            @Override
            public String describe() {
                return String.join("|", list);
            }
        };
    }

    /** Parses C-syntax numbers with optional K/M/G/T (binary) suffix; rejects overflow. */
    static long parseNumber(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("expected a number, got ''");
        }
        long multiplier = 1;
        char last = Character.toUpperCase(t.charAt(t.length() - 1));
        boolean hex = t.startsWith("0x") || t.startsWith("0X");
        if (!hex || last > 'F') {
            int shift = "KMGT".indexOf(last);
            if (shift >= 0 && !(hex && last <= 'F')) {
                multiplier = 1L << (10 * (shift + 1));
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long v;
            if (hex) {
                v = Long.parseUnsignedLong(t.substring(2), 16);
            } else if (t.length() > 1 && t.startsWith("0")) {
                v = Long.parseUnsignedLong(t.substring(1), 8);
            } else {
                v = Long.parseUnsignedLong(t);
            }
            if (multiplier != 1 && Long.compareUnsigned(v, Long.divideUnsigned(-1L, multiplier)) > 0) {
                throw new IllegalArgumentException("number '" + text + "' overflows 64 bits");
            }
            return v * multiplier;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number, got '" + text + "'");
        }
    }
}
