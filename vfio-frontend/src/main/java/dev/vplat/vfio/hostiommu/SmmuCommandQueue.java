package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.HostPageAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The host side of the SMMUv3 command queue (IHI 0070 §4, Linux arm_smmu_cmdq_issue_cmdlist):
 * a ring of 16-byte commands in one host page, filled at PROD, published by a CMDQ_PROD write
 * and closed by a CMD_SYNC. Completion is observed as Linux does: with MSIs on a coherent unit
 * ("MSIPOLL") the sync signals SIG_IRQ with MSIData 0 to its own slot and the driver polls that
 * dword for 0; otherwise it signals SIG_SEV and the driver polls CMDQ_CONS.
 *
 * <p>A command error (GERROR.CMDQ_ERR, code in CMDQ_CONS.ERR) is handled as
 * __arm_smmu_cmdq_skip_err does — an illegal command is overwritten with a CMD_SYNC, the error
 * acknowledged in GERRORN so the unit resumes — and then reported to the caller, since every
 * command this driver sends is meant to be legal.
 */
final class SmmuCommandQueue {
    /** One 16-byte command, DW0 and DW1 (field positions: fact sheet §B.11). */
    record Command(long w0, long w1) {
        int opcode() {
            return (int) (w0 & 0xFF);
        }
    }

    static final int OP_CFGI_STE = 0x03, OP_CFGI_STE_RANGE = 0x04, OP_CFGI_CD = 0x05;
    static final int OP_TLBI_NH_ASID = 0x11, OP_TLBI_NH_VA = 0x12, OP_TLBI_EL2_ALL = 0x20;
    static final int OP_TLBI_S12_VMALL = 0x28, OP_TLBI_S2_IPA = 0x2A, OP_TLBI_NSNH_ALL = 0x30, OP_SYNC = 0x46;
    /** Linux submits at most CMDQ_BATCH_ENTRIES (BITS_PER_LONG) commands per PROD update. */
    static final int BATCH = 64;
    private static final int ENTRY_BYTES = 16;
    private static final long CS_SIG_IRQ = 1L << 12, CS_SIG_SEV = 2L << 12;
    /** MSH = inner shareable, MSIAttr = inner/outer write-back (ARM_SMMU_MEMATTR_OIWB), as Linux. */
    private static final long SYNC_MSI_ATTRS = 3L << 22 | 0xFL << 24;
    private static final String[] ERRORS = {"no error", "illegal command", "abort on command fetch",
        "ATC invalidate timeout"};

    private final SmmuMmio regs;
    private final GuestMemory ram;
    private final int log2Entries;
    private final boolean msiPoll;
    private final long queue;
    private final Consumer<String> errorLog;
    private long prod;
    private long errorsSeen;

    /**
     * @param log2Entries ring size (one page holds 256 commands)
     * @param msiPoll     complete CMD_SYNC by MSI write to its own slot (IDR0.MSI with COHACC)
     */
    SmmuCommandQueue(SmmuMmio regs, GuestMemory ram, HostPageAllocator pages, int log2Entries, boolean msiPoll,
                     Consumer<String> errorLog) {
        this.regs = regs;
        this.ram = ram;
        this.log2Entries = log2Entries;
        this.msiPoll = msiPoll;
        this.errorLog = errorLog;
        this.queue = HostTables.zeroedBlock(ram, pages, (ENTRY_BYTES << log2Entries) / (int) HostPageAllocator.PAGE_SIZE);
    }

    /** CMDQ_BASE: RA | address | LOG2SIZE. */
    long baseRegister() {
        return SmmuRegs.Q_BASE_RWA | queue | log2Entries;
    }

    long address() {
        return queue;
    }

    int log2Entries() {
        return log2Entries;
    }

    /** Commands the unit refused since bring-up. */
    long errorsSeen() {
        return errorsSeen;
    }

    // ---- builders (arm_smmu_cmdq_build_cmd)

    static Command cfgiSte(int sid) {
        return new Command(OP_CFGI_STE | (long) sid << 32, 1);
    }

    /** CMD_CFGI_ALL is CFGI_STE_RANGE with Range = 31 (fact sheet C #11). */
    static Command cfgiAll() {
        return new Command(OP_CFGI_STE_RANGE, 31);
    }

    static Command cfgiCd(int sid, int ssid) {
        return new Command(OP_CFGI_CD | (long) ssid << 12 | (long) sid << 32, 1);
    }

    static Command tlbiNhAsid(int asid) {
        return new Command(OP_TLBI_NH_ASID | (long) asid << 48, 0);
    }

    static Command tlbiS12Vmall(int vmid) {
        return new Command(OP_TLBI_S12_VMALL | (long) vmid << 32, 0);
    }

    static Command tlbiEl2All() {
        return new Command(OP_TLBI_EL2_ALL, 0);
    }

    static Command tlbiNsnhAll() {
        return new Command(OP_TLBI_NSNH_ALL, 0);
    }

    /**
     * CMD_TLBI_NH_VA (stage 1, by ASID) or CMD_TLBI_S2_IPA (stage 2, by VMID) of one address or,
     * with {@code tg} ≠ 0, of (num+1)·2^scale granules from it; leaf only, with the level hint.
     */
    static Command tlbiRange(boolean stage2, int tag, long addr, int tg, int num, int scale, int ttl) {
        long w0 = (stage2 ? OP_TLBI_S2_IPA | (long) tag << 32 : OP_TLBI_NH_VA | (long) tag << 48)
                | (long) num << 12 | (long) scale << 20;
        long w1 = 1 | (long) ttl << 8 | (long) tg << 10 | (addr & ~0xFFFL);
        return new Command(w0, w1);
    }

    // ---- issuing

    /** arm_smmu_cmdq_issue_cmd_with_sync. */
    void issueWithSync(Command... commands) {
        issueWithSync(List.of(commands));
    }

    /**
     * Publishes the commands in batches, the last one followed by a CMD_SYNC, and waits for the
     * sync to complete. Throws IllegalStateException when the unit reported a command error.
     */
    void issueWithSync(List<Command> commands) {
        long errorsBefore = errorsSeen;
        List<Command> pending = new ArrayList<>(commands);
        while (pending.size() >= BATCH) {
            List<Command> batch = pending.subList(0, BATCH - 1);
            publish(new ArrayList<>(batch));
            batch.clear();
            waitConsumed();
        }
        long syncSlot = slotAddress(prod + pending.size());
        pending.add(sync(syncSlot));
        publish(pending);
        if (msiPoll) {
            waitForSyncMsi(syncSlot);
        } else {
            waitConsumed();
        }
        if (errorsSeen != errorsBefore) {
            throw new IllegalStateException("the SMMU refused a command of this batch: " + describe(commands));
        }
    }

    private Command sync(long slot) {
        if (msiPoll) {
            return new Command(OP_SYNC | CS_SIG_IRQ | SYNC_MSI_ATTRS, slot & 0x000F_FFFF_FFFF_FFFCL);
        }
        return new Command(OP_SYNC | CS_SIG_SEV, 0);
    }

    private void publish(List<Command> commands) {
        for (Command c : commands) {
            long slot = slotAddress(prod);
            ram.writeRam(slot, 8, c.w0());
            ram.writeRam(slot + 8, 8, c.w1());
            prod = (prod + 1) & wrapMask();
        }
        regs.write32(SmmuRegs.CMDQ_PROD, (int) prod);
    }

    private long slotAddress(long index) {
        return queue + (index & ((1L << log2Entries) - 1)) * ENTRY_BYTES;
    }

    private long wrapMask() {
        return (2L << log2Entries) - 1;
    }

    /** __arm_smmu_cmdq_poll_until_msi: the unit's MSI write of 0 clears the sync's first dword. */
    private void waitForSyncMsi(long syncSlot) {
        for (int i = 0; i < UnitMmio.POLL_LIMIT; i++) {
            if (ram.readRam(syncSlot, 4) == 0) {
                return;
            }
            skipErrorIfActive();
        }
        throw new IllegalStateException("CMD_SYNC timeout: the MSI write to 0x" + Long.toHexString(syncSlot) + " never came");
    }

    /** __arm_smmu_cmdq_poll_until_consumed: CMDQ_CONS has caught up with PROD. */
    private void waitConsumed() {
        for (int i = 0; i < UnitMmio.POLL_LIMIT; i++) {
            if ((regs.read32(SmmuRegs.CMDQ_CONS) & wrapMask()) == prod) {
                return;
            }
            skipErrorIfActive();
        }
        throw new IllegalStateException("CMD_SYNC timeout: CMDQ_CONS never reached 0x" + Long.toHexString(prod));
    }

    /** Handles an active GERROR.CMDQ_ERR; also called from the driver's global error handler. */
    void skipErrorIfActive() {
        int active = regs.read32(SmmuRegs.GERROR) ^ regs.read32(SmmuRegs.GERRORN);
        if ((active & SmmuRegs.GERROR_CMDQ_ERR) != 0) {
            skipError();
        }
    }

    /**
     * __arm_smmu_cmdq_skip_err: logs the failing command, replaces an illegal one with a CMD_SYNC
     * so the queue can move on, and acknowledges CMDQ_ERR (GERRORN toggled to match GERROR).
     */
    private void skipError() {
        int cons = regs.read32(SmmuRegs.CMDQ_CONS);
        int code = cons >>> SmmuRegs.CMDQ_CONS_ERR_SHIFT & 0x7F;
        long slot = slotAddress(cons);
        long w0 = ram.readRam(slot, 8);
        long w1 = ram.readRam(slot + 8, 8);
        errorsSeen++;
        errorLog.accept(String.format("CMDQ error (cons 0x%08x): %s; skipping command in error state: 0x%016x 0x%016x",
                cons, code < ERRORS.length ? ERRORS[code] : "unknown", w0, w1));
        if (code == 1) {
            ram.writeRam(slot, 8, sync(slot).w0());
            ram.writeRam(slot + 8, 8, sync(slot).w1());
        }
        int gerror = regs.read32(SmmuRegs.GERROR);
        int gerrorn = regs.read32(SmmuRegs.GERRORN);
        regs.write32(SmmuRegs.GERRORN, gerrorn ^ ((gerror ^ gerrorn) & SmmuRegs.GERROR_CMDQ_ERR));
    }

    private static String describe(List<Command> commands) {
        StringBuilder sb = new StringBuilder();
        for (Command c : commands) {
            sb.append(String.format(" [0x%016x 0x%016x]", c.w0(), c.w1()));
        }
        return sb.toString().trim();
    }
}
