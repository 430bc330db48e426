package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;

/**
 * Register access to one SMMUv3: MMIO on the system address space at the unit's base, 32-bit
 * for the 32-bit registers and 64-bit for the bases and *_IRQ_CFG0 (writel/writeq in Linux), plus
 * the two handshakes Linux uses: a write that must be acknowledged in a companion register
 * (arm_smmu_write_reg_sync: CR0/CR0ACK, IRQ_CTRL/IRQ_CTRLACK) and polling a field.
 */
final class SmmuMmio {
    /** Polls before giving up; Linux waits ARM_SMMU_POLL_TIMEOUT_US (1 s) and fails the probe. */
    static final int POLL_LIMIT = 1000;

    private final GuestMemory system;
    private final long base;
    private final String unitId;

    SmmuMmio(GuestMemory system, long base, String unitId) {
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

    void write32(int offset, int value) {
        system.write(base + offset, 4, value & 0xFFFF_FFFFL);
    }

    void write64(int offset, long value) {
        system.write(base + offset, 8, value);
    }

    /** arm_smmu_write_reg_sync: write {@code value}, then poll until {@code ack} reads it back. */
    void writeSync(int offset, int ack, int value, String what) {
        write32(offset, value);
        waitFor(ack, -1, value, what);
    }

    /** Polls a 32-bit register until {@code (reg & mask) == expected}. */
    void waitFor(int offset, int mask, int expected, String what) {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if ((read32(offset) & mask) == expected) {
                return;
            }
        }
        throw new IllegalStateException(unitId + ": " + what + " was never acknowledged");
    }
}
