package dev.vplat.vfio.cli;

import picocli.CommandLine;

/** Addresses and values as people type them: {@code 0x…} hex or decimal, up to 64 bits unsigned. */
public final class NumberConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return parse(value);
    }

    public static long parse(String value) {
        String v = value.replace("_", "");
        try {
            if (v.startsWith("0x") || v.startsWith("0X")) {
                return Long.parseUnsignedLong(v.substring(2), 16);
            }
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a number (write 0xfed90000 or 4096)");
        }
    }
}
