package dev.vplat.guest.drivers;

import static dev.vplat.guest.drivers.SmmuV3Regs.*;

/**
 * One 16-byte command-queue entry (IHI 0070 §4; field positions as arm_smmu_cmdq_build_cmd),
 * with builders for the commands the guest driver issues.
 */
public record SmmuCommand(long dw0, long dw1) {
    public int opcode() {
        return (int) (dw0 & 0xFF);
    }

    /** CMD_CFGI_STE with Leaf = 1. */
    public static SmmuCommand cfgiSte(int sid) {
        return new SmmuCommand(CMD_CFGI_STE | (long) sid << 32, 1);
    }

    /** CMD_CFGI_ALL: CFGI_STE_RANGE with Range = 31. */
    public static SmmuCommand cfgiAll() {
        return new SmmuCommand(CMD_CFGI_STE_RANGE, 31);
    }

    /** CMD_CFGI_CD of SubstreamID {@code ssid}, Leaf = 1. */
    public static SmmuCommand cfgiCd(int sid, int ssid) {
        return new SmmuCommand(CMD_CFGI_CD | (long) (ssid & 0xF_FFFF) << 12 | (long) sid << 32, 1);
    }

    public static SmmuCommand tlbiNhAsid(int asid) {
        return new SmmuCommand(CMD_TLBI_NH_ASID | (long) asid << 48, 0);
    }

    /** CMD_TLBI_NH_VA of one page (TG = 0, no range), Leaf = 1. */
    public static SmmuCommand tlbiNhVa(int asid, long va) {
        return new SmmuCommand(CMD_TLBI_NH_VA | (long) asid << 48, (va & ~0xFFFL) | 1);
    }

    public static SmmuCommand tlbiEl2All() {
        return new SmmuCommand(CMD_TLBI_EL2_ALL, 0);
    }

    public static SmmuCommand tlbiNsnhAll() {
        return new SmmuCommand(CMD_TLBI_NSNH_ALL, 0);
    }

    /** CMD_SYNC with CS = {@code cs}; with SIG_IRQ the unit writes {@code msiData} to {@code msiAddress}. */
    public static SmmuCommand sync(long cs, long msiAddress, int msiData) {
        return new SmmuCommand(CMD_SYNC | cs | SYNC_MSI_ATTRS | (msiData & 0xFFFF_FFFFL) << 32,
                msiAddress & 0x000F_FFFF_FFFF_FFFCL);
    }

    /** An entry with opcode {@code opcode} and nothing else (a reserved opcode makes an illegal command). */
    public static SmmuCommand raw(int opcode) {
        return new SmmuCommand(opcode & 0xFF, 0);
    }
}
