package dev.vplat.pci.lspci;

import java.util.Locale;

/** The text being built, with pciutils' helpers: printf-style appends and FLAG() as {@code +}/{@code -}. */
final class Out {
    private final StringBuilder sb = new StringBuilder();

    Out printf(String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args));
        return this;
    }

    Out print(String text) {
        sb.append(text);
        return this;
    }

    /** pciutils FLAG(x, y): {@code +} when any bit of {@code mask} is set in {@code value}. */
    static char flag(long value, long mask) {
        return (value & mask) != 0 ? '+' : '-';
    }

    /** pciutils show_size: {@code [size=4K]}, dividing by 1024 while the value stays whole; nothing for 0. */
    static String size(long bytes) {
        if (bytes == 0) {
            return "";
        }
        String[] suffix = {"", "K", "M", "G", "T"};
        int i = 0;
        long x = bytes;
        while (i < suffix.length - 1 && x % 1024 == 0) {
            x /= 1024;
            i++;
        }
        return " [size=" + x + suffix[i] + "]";
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
