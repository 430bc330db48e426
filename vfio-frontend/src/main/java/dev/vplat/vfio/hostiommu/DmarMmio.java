package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;

/**
 * Register access to one VT-d unit: MMIO reads and writes on the system address space at the
 * unit's base, with the access widths Linux uses (64-bit for CAP/ECAP/RTADDR/IQA/IOTLB/IVA, 32-bit
 * for GCMD/GSTS/FSTS/FECTL/IQT and the FRCD dwords).
 */
final class DmarMmio {
    /** Polls before giving up on a status bit; Linux panics after DMAR_OPERATION_TIMEOUT. */
    private static final int POLL_LIMIT = 1000;

    private final GuestMemory system;
    private final long base;
    private final String unitId;

    DmarMmio(GuestMemory system, long base, String unitId) {
        this.system = system;
        this.base = base;
        this.unitId = unitId;
    }

    long base() {
        return base;
    }

    int read32(int offset) {
        return (int) system.read(base + offset, 4);
    }

    long read64(int offset) {
        return system.read(base + offset, 8);
    }

    void write32(int offset, int value) {
        system.write(base + offset, 4, value & 0xFFFF_FFFFL);
    }

    void write64(int offset, long value) {
        system.write(base + offset, 8, value);
    }

    /** IOMMU_WAIT_OP: spins on a 32-bit status register until {@code (reg & mask) == expected}. */
    void waitFor(int offset, int mask, int expected, String what) {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((read32(offset) & mask) == expected) {
                return;
            }
        }
        throw new IllegalStateException(unitId + ": DMAR hardware is malfunctioning (" + what + " never completed)");
    }
}
