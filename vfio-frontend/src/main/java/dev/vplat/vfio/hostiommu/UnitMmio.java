package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;

/**
 * Register access to one IOMMU unit as its host driver does it: MMIO reads and writes on the
 * system address space at the unit's base (readl/readq/writel/writeq), and polling a 32-bit
 * status register until a field reads as expected, giving up after {@link #POLL_LIMIT} reads.
 */
abstract class UnitMmio {
    /**
     * Polls before giving up on a status bit. Linux gives up after a time instead (VT-d
     * DMAR_OPERATION_TIMEOUT, then panics; SMMUv3 ARM_SMMU_POLL_TIMEOUT_US, 1 s, failing the probe);
     * the emulated hardware answers at once, so a count is as good and stays deterministic.
     */
    static final int POLL_LIMIT = 1000;

    private final GuestMemory system;
    private final long base;
    private final String unitId;

    UnitMmio(GuestMemory system, long base, String unitId) {
        this.system = system;
        this.base = base;
        this.unitId = unitId;
    }

    final long base() {
        return base;
    }

    final int read32(int offset) {
        return (int) system.read(base + offset, 4);
    }

    final long read64(int offset) {
        return system.read(base + offset, 8);
    }

    final void write32(int offset, int value) {
        system.write(base + offset, 4, value & 0xFFFF_FFFFL);
    }

    final void write64(int offset, long value) {
        system.write(base + offset, 8, value);
    }

    /** Spins on a 32-bit register until {@code (reg & mask) == expected}. */
    final void waitFor(int offset, int mask, int expected, String what) {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((read32(offset) & mask) == expected) {
                return;
            }
        }
        throw new IllegalStateException(unitId + ": " + timedOut(what));
    }

    /** How the driver reports a status that never came, as Linux words it. */
    abstract String timedOut(String what);
}
