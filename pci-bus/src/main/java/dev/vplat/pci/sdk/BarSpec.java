package dev.vplat.pci.sdk;

import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;

/**
 * One BAR a device declares: its kind, size (a power of two; at least 16 bytes for memory and
 * 4 for I/O), whether it is prefetchable, which accesses it admits and the ops behind it. The
 * bus handles sizing, decoding and mapping; the ops see offsets relative to the BAR.
 */
public record BarSpec(BarKind kind, long size, boolean prefetchable, AccessRules rules, MmioOps ops) {
    public BarSpec {
        if (size <= 0 || Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("BAR size must be a power of two, got 0x" + Long.toHexString(size));
        }
        if (kind == BarKind.IO && (size < 4 || size > 256)) {
            throw new IllegalArgumentException("I/O BAR size must be 4..256 bytes");
        }
        if (kind.memory() && size < 16) {
            throw new IllegalArgumentException("memory BAR size must be at least 16 bytes");
        }
        if (kind == BarKind.MEMORY32 && size > (1L << 31)) {
            throw new IllegalArgumentException("a 32-bit BAR cannot exceed 2 GiB");
        }
        if (kind == BarKind.IO && prefetchable) {
            throw new IllegalArgumentException("I/O BARs are never prefetchable");
        }
    }

    public static BarSpec memory32(long size, AccessRules rules, MmioOps ops) {
        return new BarSpec(BarKind.MEMORY32, size, false, rules, ops);
    }

    public static BarSpec memory64(long size, boolean prefetchable, AccessRules rules, MmioOps ops) {
        return new BarSpec(BarKind.MEMORY64, size, prefetchable, rules, ops);
    }

    public static BarSpec io(long size, AccessRules rules, MmioOps ops) {
        return new BarSpec(BarKind.IO, size, false, rules, ops);
    }
}
