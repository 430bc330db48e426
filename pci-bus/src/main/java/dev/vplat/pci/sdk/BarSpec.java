package dev.vplat.pci.sdk;

import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;

/**
 * One BAR a device declares: its kind, size (a power of two; at least 16 bytes for memory and
 * 4 for I/O), whether it is prefetchable, which accesses it admits and the ops behind it. The
 * bus handles sizing, decoding and mapping; the ops see offsets relative to the BAR, and only
 * accesses {@code rules} admits (others read all-ones and are dropped before reaching them).
 * An MSI-X table or PBA declared inside the BAR is served by the bus and hides the ops there.
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

    /** A non-prefetchable memory BAR decoding a 32-bit address. */
    public static BarSpec memory32(long size, AccessRules rules, MmioOps ops) {
        return new BarSpec(BarKind.MEMORY32, size, false, rules, ops);
    }

    /** A memory BAR decoding a 64-bit address (it takes two BAR slots). */
    public static BarSpec memory64(long size, boolean prefetchable, AccessRules rules, MmioOps ops) {
        return new BarSpec(BarKind.MEMORY64, size, prefetchable, rules, ops);
    }

    /** An I/O space BAR (4..256 bytes), reached through port I/O. */
    public static BarSpec io(long size, AccessRules rules, MmioOps ops) {
        return new BarSpec(BarKind.IO, size, false, rules, ops);
    }

    /**
     * A 32-bit memory BAR that holds nothing but an MSI-X table and PBA (declared with
     * {@link FunctionSpec.Builder#msix}): the bus serves those, every other byte reads zero and
     * ignores writes. Dword and qword accesses, as the PCI spec §6.8.2 requires for the table.
     */
    public static BarSpec msixOnly(long size) {
        return memory32(size, AccessRules.DWORD_QWORD_ALIGNED, ReservedOps.INSTANCE);
    }

    /** Reads zero, ignores writes: the reserved rest of an MSI-X-only BAR. */
    private enum ReservedOps implements MmioOps {
        INSTANCE;

        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            // Reserved: writes have no effect.
        }
    }
}
