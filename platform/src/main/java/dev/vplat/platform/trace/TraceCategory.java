package dev.vplat.platform.trace;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Categories a user switches on with {@code --trace mmio,dma}; each costs nothing while off. */
public enum TraceCategory {
    MMIO, PIO, DMA, IRQ, IOMMU, PCI, DEVICE, CLOCK, HOST, PROTOCOL;

    /** Parses a comma-separated list; {@code all} enables every category. */
    public static Set<TraceCategory> parseList(String list) {
        EnumSet<TraceCategory> set = EnumSet.noneOf(TraceCategory.class);
        if (list == null || list.isBlank()) {
            return set;
        }
        for (String word : list.split(",")) {
            String w = word.trim().toUpperCase(Locale.ROOT);
            if (w.isEmpty()) {
                continue;
            }
            if (w.equals("ALL")) {
                return EnumSet.allOf(TraceCategory.class);
            }
            try {
                set.add(TraceCategory.valueOf(w));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown trace category '" + word.trim()
                        + "' (known: all, " + String.join(", ", names()) + ")");
            }
        }
        return set;
    }

    private static java.util.List<String> names() {
        return java.util.Arrays.stream(values()).map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
    }
}
