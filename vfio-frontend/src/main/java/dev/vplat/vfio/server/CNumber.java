package dev.vplat.vfio.server;

/**
 * Numbers as qtest reads them, with C's strtoull base 0: {@code 0x} hex, a leading {@code 0}
 * octal, else decimal; a leading minus negates (wrapping, as strtoull does).
 */
final class CNumber {
    private CNumber() {
    }

    static long parse(String text) {
        String t = text;
        boolean negative = t.startsWith("-");
        if (negative || t.startsWith("+")) {
            t = t.substring(1);
        }
        long v;
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseUnsignedLong(t.substring(2), 16);
            } else if (t.length() > 1 && t.startsWith("0")) {
                v = Long.parseUnsignedLong(t.substring(1), 8);
            } else {
                v = Long.parseUnsignedLong(t);
            }
        } catch (NumberFormatException e) {
            throw new TextFailure("'" + text + "' is not a number");
        }
        return negative ? -v : v;
    }
}
