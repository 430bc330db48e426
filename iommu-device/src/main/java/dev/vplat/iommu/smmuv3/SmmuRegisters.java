package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.regs.Register;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.platform.regs.RegisterWrite;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.function.BooleanSupplier;

/**
 * The SMMUv3 programming interface, pages 0 and 1 (IHI 0070 §6.2), declared once with reset
 * values and writable masks. Side effects are forwarded to a {@link Controller}; the guarded
 * registers (stream table base, queue bases, the unit-owned queue indexes) ignore writes while
 * the enable that protects them is set, which is one of the outcomes the spec permits.
 */
final class SmmuRegisters {
    /** 128 KiB: page 0 and page 1, as Linux maps the unit (arm_smmu_resource_size). */
    static final int WINDOW_SIZE = 0x20000;
    static final int PAGE1 = 0x10000;

    static final int IDR0 = 0x00, IDR1 = 0x04, IDR2 = 0x08, IDR3 = 0x0C, IDR4 = 0x10, IDR5 = 0x14;
    static final int IIDR = 0x18, AIDR = 0x1C, CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28, CR2 = 0x2C;
    static final int STATUSR = 0x40, GBPA = 0x44, IRQ_CTRL = 0x50, IRQ_CTRLACK = 0x54;
    static final int GERROR = 0x60, GERRORN = 0x64;
    static final int GERROR_IRQ_CFG0 = 0x68, GERROR_IRQ_CFG1 = 0x70, GERROR_IRQ_CFG2 = 0x74;
    static final int STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88;
    static final int CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9C;
    static final int EVENTQ_BASE = 0xA0, EVENTQ_IRQ_CFG0 = 0xB0, EVENTQ_IRQ_CFG1 = 0xB8, EVENTQ_IRQ_CFG2 = 0xBC;
    static final int PRIQ_BASE = 0xC0, PRIQ_IRQ_CFG0 = 0xD0, PRIQ_IRQ_CFG1 = 0xD8, PRIQ_IRQ_CFG2 = 0xDC;
    static final int EVENTQ_PROD = PAGE1 + 0xA8, EVENTQ_CONS = PAGE1 + 0xAC;
    static final int PRIQ_PROD = PAGE1 + 0xC8, PRIQ_CONS = PAGE1 + 0xCC;

    static final long CR0_SMMUEN = 1, CR0_PRIQEN = 1 << 1, CR0_EVENTQEN = 1 << 2, CR0_CMDQEN = 1 << 3;
    static final long GBPA_ABORT = 1L << 20, GBPA_UPDATE = 1L << 31;
    static final long IRQ_GERROR = 1, IRQ_PRIQ = 1 << 1, IRQ_EVENTQ = 1 << 2;
    static final long CR2_RECINVSID = 1 << 1;

    static final int GERROR_CMDQ_ERR = 0, GERROR_EVENTQ_ABT = 2, GERROR_PRIQ_ABT = 3, GERROR_MSI_CMDQ_ABT = 4;
    static final int GERROR_MSI_EVENTQ_ABT = 5, GERROR_MSI_PRIQ_ABT = 6, GERROR_MSI_GERROR_ABT = 7;
    static final int GERROR_SFM = 8;
    /** GERROR bits this unit can activate (CMDQP_ERR and DPT_ERR need ECMDQ / DPT). */
    static final long GERROR_IMPLEMENTED = 0x1FD;

    /** *_IRQ_CFG0.ADDR [55:2]; queue bases ADDR [55:5] | LOG2SIZE [4:0] | RA/WA 62; STRTAB_BASE [55:6] | RA. */
    static final long IRQ_ADDR_MASK = 0x00FF_FFFF_FFFF_FFFCL;
    static final long QUEUE_BASE_MASK = 0x40FF_FFFF_FFFF_FFFFL;
    static final long STRTAB_BASE_MASK = 0x40FF_FFFF_FFFF_FFC0L;
    static final long QUEUE_INDEX_MASK = 0xF_FFFF;
    static final long OVERFLOW_FLAG = 1L << 31;
    static final long CMDQ_CONS_ERR_SHIFT = 24, CMDQ_CONS_ERR_MASK = 0x7FL << 24;

    /** Side effects of guest writes, implemented by the unit. */
    interface Controller {
        void cr0Written(long value);

        void cmdqProdWritten();

        void gerrornWritten(long oldValue);
    }

    private final RegisterBank bank;
    private final SmmuV3Config config;
    final Register cr0, cr0ack, cr2, gbpa, irqCtrl, irqCtrlAck, gerror, gerrorn;
    final Register gerrorIrqCfg0, gerrorIrqCfg1, strtabBase, strtabBaseCfg, cmdqBase, cmdqProd, cmdqCons;
    final Register eventqBase, eventqProd, eventqCons, eventqIrqCfg0, eventqIrqCfg1;
    final Register priqBase, priqProd, priqCons, priqIrqCfg0, priqIrqCfg1;

    SmmuRegisters(String owner, SmmuV3Config config, Trace trace, Controller controller) {
        this.config = config;
        this.bank = new RegisterBank(owner, WINDOW_SIZE, trace, TraceCategory.IOMMU);
        bank.define(Register.u32("IDR0", IDR0).reset(idr0()));
        bank.define(Register.u32("IDR1", IDR1).reset(idr1()));
        bank.define(Register.u32("IDR2", IDR2));
        bank.define(Register.u32("IDR3", IDR3).reset(1 << 2 | 1 << 10).field("HAD", 2).field("RIL", 10));
        bank.define(Register.u32("IDR4", IDR4));
        bank.define(Register.u32("IDR5", IDR5).reset(idr5()));
        bank.define(Register.u32("IIDR", IIDR));
        bank.define(Register.u32("AIDR", AIDR).reset(0x1));
        long cr0Mask = CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN | (config.pri() ? CR0_PRIQEN : 0);
        cr0 = bank.define(Register.u32("CR0", CR0).rw(cr0Mask).field("SMMUEN", 0).field("PRIQEN", 1)
                .field("EVENTQEN", 2).field("CMDQEN", 3).onWrite(w -> controller.cr0Written(w.newValue())));
        cr0ack = bank.define(Register.u32("CR0ACK", CR0ACK).field("SMMUEN", 0).field("PRIQEN", 1)
                .field("EVENTQEN", 2).field("CMDQEN", 3));
        bank.define(Register.u32("CR1", CR1).rw(0xFFF).field("QUEUE_IC", 0, 2).field("QUEUE_OC", 2, 2)
                .field("QUEUE_SH", 4, 2).field("TABLE_IC", 6, 2).field("TABLE_OC", 8, 2).field("TABLE_SH", 10, 2));
        cr2 = bank.define(Register.u32("CR2", CR2).rw(0x6 | (config.stages().stage2() ? 1 : 0))
                .field("E2H", 0).field("RECINVSID", 1).field("PTM", 2));
        bank.define(Register.u32("STATUSR", STATUSR));
        gbpa = bank.define(Register.u32("GBPA", GBPA).reset(0x1000).rw(0x1F_3F1FL | GBPA_UPDATE)
                .field("MemAttr", 0, 4).field("MTCFG", 4).field("ALLOCCFG", 8, 4).field("SHCFG", 12, 2)
                .field("PRIVCFG", 16, 2).field("INSTCFG", 18, 2).field("ABORT", 20).field("Update", 31)
                .onWrite(SmmuRegisters::gbpaUpdateProtocol));
        long irqMask = IRQ_GERROR | IRQ_EVENTQ | (config.pri() ? IRQ_PRIQ : 0);
        irqCtrlAck = bank.define(Register.u32("IRQ_CTRLACK", IRQ_CTRLACK).field("GERROR_IRQEN", 0)
                .field("PRIQ_IRQEN", 1).field("EVENTQ_IRQEN", 2));
        irqCtrl = bank.define(Register.u32("IRQ_CTRL", IRQ_CTRL).rw(irqMask).field("GERROR_IRQEN", 0)
                .field("PRIQ_IRQEN", 1).field("EVENTQ_IRQEN", 2).onWrite(w -> irqCtrlAck.set(w.newValue())));
        gerror = bank.define(gerrorLayout(Register.u32("GERROR", GERROR)));
        gerrorn = bank.define(gerrorLayout(Register.u32("GERRORN", GERRORN)).rw(GERROR_IMPLEMENTED)
                .onWrite(w -> controller.gerrornWritten(w.oldValue())));
        long irqAddrMask = config.msi() ? IRQ_ADDR_MASK : 0;
        long irqDataMask = config.msi() ? 0xFFFF_FFFFL : 0;
        long irqAttrMask = config.msi() ? 0x3F : 0;
        gerrorIrqCfg0 = bank.define(Register.u64("GERROR_IRQ_CFG0", GERROR_IRQ_CFG0).rw(irqAddrMask));
        gerrorIrqCfg1 = bank.define(Register.u32("GERROR_IRQ_CFG1", GERROR_IRQ_CFG1).rw(irqDataMask));
        bank.define(Register.u32("GERROR_IRQ_CFG2", GERROR_IRQ_CFG2).rw(irqAttrMask));
        BooleanSupplier smmuEnabled = () -> ((cr0.value() | cr0ack.value()) & CR0_SMMUEN) != 0;
        BooleanSupplier cmdqEnabled = () -> ((cr0.value() | cr0ack.value()) & CR0_CMDQEN) != 0;
        BooleanSupplier eventqEnabled = () -> ((cr0.value() | cr0ack.value()) & CR0_EVENTQEN) != 0;
        BooleanSupplier priqEnabled = () -> ((cr0.value() | cr0ack.value()) & CR0_PRIQEN) != 0;
        strtabBase = bank.define(Register.u64("STRTAB_BASE", STRTAB_BASE).rw(STRTAB_BASE_MASK)
                .onWrite(guardedBy(smmuEnabled)));
        strtabBaseCfg = bank.define(Register.u32("STRTAB_BASE_CFG", STRTAB_BASE_CFG).rw(0x3_07FF)
                .field("LOG2SIZE", 0, 6).field("SPLIT", 6, 5).field("FMT", 16, 2).onWrite(guardedBy(smmuEnabled)));
        cmdqBase = bank.define(Register.u64("CMDQ_BASE", CMDQ_BASE).rw(QUEUE_BASE_MASK).onWrite(guardedBy(cmdqEnabled)));
        cmdqProd = bank.define(Register.u32("CMDQ_PROD", CMDQ_PROD).rw(QUEUE_INDEX_MASK).field("WR", 0, 20)
                .onWrite(w -> controller.cmdqProdWritten()));
        cmdqCons = bank.define(Register.u32("CMDQ_CONS", CMDQ_CONS).rw(QUEUE_INDEX_MASK).field("RD", 0, 20)
                .field("ERR", 24, 7).onWrite(guardedBy(cmdqEnabled)));
        eventqBase = bank.define(Register.u64("EVENTQ_BASE", EVENTQ_BASE).rw(QUEUE_BASE_MASK)
                .onWrite(guardedBy(eventqEnabled)));
        eventqProd = bank.define(Register.u32("EVENTQ_PROD", EVENTQ_PROD).rw(QUEUE_INDEX_MASK | OVERFLOW_FLAG)
                .field("WR", 0, 20).field("OVFLG", 31).onWrite(guardedBy(eventqEnabled)));
        eventqCons = bank.define(Register.u32("EVENTQ_CONS", EVENTQ_CONS).rw(QUEUE_INDEX_MASK | OVERFLOW_FLAG)
                .field("RD", 0, 20).field("OVACKFLG", 31));
        eventqIrqCfg0 = bank.define(Register.u64("EVENTQ_IRQ_CFG0", EVENTQ_IRQ_CFG0).rw(irqAddrMask));
        eventqIrqCfg1 = bank.define(Register.u32("EVENTQ_IRQ_CFG1", EVENTQ_IRQ_CFG1).rw(irqDataMask));
        bank.define(Register.u32("EVENTQ_IRQ_CFG2", EVENTQ_IRQ_CFG2).rw(irqAttrMask));
        long priqRw = config.pri() ? -1L : 0;
        priqBase = bank.define(Register.u64("PRIQ_BASE", PRIQ_BASE).rw(QUEUE_BASE_MASK & priqRw)
                .onWrite(guardedBy(priqEnabled)));
        priqProd = bank.define(Register.u32("PRIQ_PROD", PRIQ_PROD).rw((QUEUE_INDEX_MASK | OVERFLOW_FLAG) & priqRw)
                .field("WR", 0, 20).field("OVFLG", 31).onWrite(guardedBy(priqEnabled)));
        priqCons = bank.define(Register.u32("PRIQ_CONS", PRIQ_CONS).rw((QUEUE_INDEX_MASK | OVERFLOW_FLAG) & priqRw)
                .field("RD", 0, 20).field("OVACKFLG", 31));
        priqIrqCfg0 = bank.define(Register.u64("PRIQ_IRQ_CFG0", PRIQ_IRQ_CFG0).rw(irqAddrMask & priqRw));
        priqIrqCfg1 = bank.define(Register.u32("PRIQ_IRQ_CFG1", PRIQ_IRQ_CFG1).rw(irqDataMask & priqRw));
        bank.define(Register.u32("PRIQ_IRQ_CFG2", PRIQ_IRQ_CFG2).rw(irqAttrMask & priqRw));
        defineIdentificationRegisters();
    }

    RegisterBank bank() {
        return bank;
    }

    /**
     * Offsets a guest may use for a register: EVENTQ/PRIQ PROD and CONS also answer at their
     * page-0 offsets (0xA8/0xAC/0xC8/0xCC), the optional alias of IHI 0070 §6.2 that the Cavium
     * page-0-only quirk relies on.
     */
    static long canonicalOffset(long offset) {
        if (offset == 0xA8 || offset == 0xAC || offset == 0xC8 || offset == 0xCC) {
            return offset + PAGE1;
        }
        return offset;
    }

    boolean enabled(long cr0Bit) {
        return (cr0ack.value() & cr0Bit) != 0;
    }

    boolean irqEnabled(long bit) {
        return (irqCtrlAck.value() & bit) != 0;
    }

    boolean gerrorActive(int bit) {
        return ((gerror.value() ^ gerrorn.value()) >>> bit & 1) != 0;
    }

    private long idr0() {
        long v = 0;
        v |= config.stages().stage2() ? 1 : 0;                 // S2P
        v |= config.stages().stage1() ? 1 << 1 : 0;            // S1P
        v |= 2 << 2;                                            // TTF = AArch64
        v |= 1 << 4;                                            // COHACC
        v |= config.stages().stage2() ? 1 << 9 : 0;            // HYP: EL2 StreamWorld with stage 2
        v |= config.ats() ? 1 << 10 : 0;
        v |= 1 << 12;                                           // ASID16
        v |= config.msi() ? 1 << 13 : 0;
        v |= 1 << 14;                                           // SEV
        v |= config.pri() ? 1 << 16 : 0;
        v |= config.stages().stage2() ? 1 << 18 : 0;           // VMID16
        v |= config.ssidBits() > 0 ? 1 << 19 : 0;              // CD2L
        v |= 2L << 21;                                          // TTENDIAN = little-endian
        v |= 1L << 24;                                          // STALL_MODEL = terminate only
        v |= 1L << 26;                                          // TERM_MODEL: terminated = aborted
        v |= config.twoLevelStreamTable() ? 1L << 27 : 0;      // ST_LEVEL
        return v;
    }

    private long idr1() {
        long v = config.sidBits();
        v |= (long) config.ssidBits() << 6;
        v |= (config.pri() ? 19L : 0) << 11;                    // PRIQS
        v |= 19L << 16;                                         // EVENTQS
        v |= 19L << 21;                                         // CMDQS
        return v;
    }

    private long idr5() {
        long v = SmmuV3Config.oasCode(config.oasBits());
        v |= config.granules().contains(Granule.G4K) ? 1 << 4 : 0;
        v |= config.granules().contains(Granule.G16K) ? 1 << 5 : 0;
        v |= config.granules().contains(Granule.G64K) ? 1 << 6 : 0;
        return v;
    }

    /** PIDR/CIDR at 0xFD0–0xFFC with QEMU's MMU-600-like values, so probing tools see an Arm part. */
    private void defineIdentificationRegisters() {
        long[] ids = {0x04, 0, 0, 0, 0x84, 0xB4, 0xF0, 0x10, 0x0D, 0xF0, 0x05, 0xB1};
        String[] names = {"PIDR4", "PIDR5", "PIDR6", "PIDR7", "PIDR0", "PIDR1", "PIDR2", "PIDR3",
                "CIDR0", "CIDR1", "CIDR2", "CIDR3"};
        for (int i = 0; i < ids.length; i++) {
            bank.define(Register.u32(names[i], 0xFD0 + 4 * i).reset(ids[i]));
        }
    }

    private static Register.Builder gerrorLayout(Register.Builder b) {
        return b.field("CMDQ_ERR", 0).field("EVENTQ_ABT_ERR", 2).field("PRIQ_ABT_ERR", 3)
                .field("MSI_CMDQ_ABT_ERR", 4).field("MSI_EVENTQ_ABT_ERR", 5).field("MSI_PRIQ_ABT_ERR", 6)
                .field("MSI_GERROR_ABT_ERR", 7).field("SFM_ERR", 8);
    }

    /**
     * GBPA takes a value only from a single write that sets Update, and the update completes at
     * once, so Update always reads 0 (IHI 0070 §6.3.14.1; writes without Update are ignored).
     */
    private static void gbpaUpdateProtocol(RegisterWrite w) {
        if ((w.onesWritten() & GBPA_UPDATE) == 0) {
            w.register().set(w.oldValue());
        } else {
            w.register().set(w.newValue() & ~GBPA_UPDATE);
        }
    }

    private static Register.WriteHook guardedBy(BooleanSupplier locked) {
        return w -> {
            if (locked.getAsBoolean()) {
                w.register().set(w.oldValue());
            }
        };
    }
}
