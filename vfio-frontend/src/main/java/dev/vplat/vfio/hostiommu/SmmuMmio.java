package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;

/**
 * Register access to one SMMUv3: 32-bit for the 32-bit registers and 64-bit for the bases and
 * *_IRQ_CFG0 (writel/writeq in Linux), plus the handshake of a write that must be acknowledged
 * in a companion register (arm_smmu_write_reg_sync: CR0/CR0ACK, IRQ_CTRL/IRQ_CTRLACK).
 */
final class SmmuMmio extends UnitMmio {
    SmmuMmio(GuestMemory system, long base, String unitId) {
        super(system, base, unitId);
    }

    /** arm_smmu_write_reg_sync: write {@code value}, then poll until {@code ack} reads it back. */
    void writeSync(int offset, int ack, int value, String what) {
        write32(offset, value);
        waitFor(ack, -1, value, what);
    }

    @Override
    String timedOut(String what) {
        return what + " was never acknowledged";
    }
}
