package dev.vplat.iommu.vtd;

import dev.vplat.iommu.UnitScope;
import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.irq.MsiRemapper;
import dev.vplat.platform.machine.Lifecycle;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.regs.Register;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.platform.regs.RegisterWrite;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.function.Consumer;

import static dev.vplat.iommu.vtd.VtdRegs.*;

/**
 * An Intel VT-d DMA-remapping hardware unit (one DRHD) at register level, after the VT-d
 * architecture specification (rev. 3.x/4.x) and QEMU's {@code -device intel-iommu}: the
 * 4 KiB register window of spec §11.4, DMA remapping of the requesters in its {@link #scope()},
 * interrupt remapping of their MSIs, register-based and queued invalidation, and fault
 * recording with the fault event.
 *
 * <p>A unit is created from its {@link VtdConfig} (the {@code intel-iommu} device type does
 * that) and then {@link #attach attached} to a machine: its registers are mapped at
 * {@code base}, it reads tables through the machine's system address space and it sits in the
 * machine's MSI path. The PCI layer routes DMA of requesters in {@link #scope()} to
 * {@link #translate}.
 */
public final class VtdUnit implements DmaTranslator, MsiRemapper, Lifecycle {
    /** Reset value of VER: architecture version 1.0, as QEMU reports. */
    public static final long VERSION = 0x10;
    /** The window accepts 4- and 8-byte aligned accesses; anything else reads 0 and is dropped (QEMU). */
    public static final AccessRules ACCESS_RULES = AccessRules.DWORD_QWORD_ALIGNED.readingZeroWhenInvalid();

    private final VtdConfig config;
    private String name = "vtd";
    private RegisterBank bank;
    private MmioRegion region;
    private Register gsts;
    private Register rtaddr;
    private Register ccmd;
    private Register fsts;
    private Register iqa;
    private Register irta;
    private Register iva;
    private Register iotlb;
    private FaultRecorder faults;
    private DmaRemapping dma;
    private InterruptRemapping ir;
    private InvalidationQueue queue;
    private EventInterrupt faultEvent;
    private EventInterrupt completionEvent;

    public VtdUnit(VtdConfig config) {
        this.config = config;
    }

    /** Creates a unit and attaches it to {@code machine} under {@code id}. */
    public static VtdUnit create(Machine machine, String id, VtdConfig config) {
        VtdUnit unit = new VtdUnit(config);
        unit.attach(machine, id);
        return unit;
    }

    /**
     * Wires the unit into a machine: registers at {@code config().base()}, table reads through
     * {@code machine.system()}, MSI remapping in {@code machine.interrupts()}, and the unit as a
     * component (so machine reset resets it).
     */
    public void attach(Machine machine, String id) {
        if (bank != null) {
            throw new IllegalStateException(name + " is already attached");
        }
        build(id, machine.system(), machine.interrupts()::deliverMsi, machine.trace());
        region = machine.addMmio(id, config.base(), WINDOW, ACCESS_RULES, bank);
        machine.interrupts().addRemapper(this);
        machine.add(id, this);
    }

    private void build(String id, GuestMemory memory, Consumer<MsiMessage> msi, Trace trace) {
        name = id;
        bank = new RegisterBank(id, WINDOW, trace, TraceCategory.IOMMU);
        long eimMask = config.eim() ? 0xFFFF_FFFFL : 0;
        bank.define(Register.u32("VER", VER).reset(VERSION).field("MIN", 0, 4).field("MAX", 4, 4));
        bank.define(Register.u64("CAP", CAP).reset(config.capability()));
        bank.define(Register.u64("ECAP", ECAP).reset(config.extendedCapability()));
        bank.define(statusFields(Register.u32("GCMD", GCMD).writeOnly().rw(0xFF80_0000L), false).onWrite(this::onGcmd));
        gsts = bank.define(statusFields(Register.u32("GSTS", GSTS), true));
        rtaddr = bank.define(Register.u64("RTADDR", RTADDR).rw(0xFFFF_FFFF_FFFF_FC00L).field("TTM", 10, 2).field("RTA", 12, 52));
        ccmd = bank.define(Register.u64("CCMD", CCMD).rw(0xE000_0003_FFFF_FFFFL)
                .field("DID", 0, 16).field("SID", 16, 16).field("FM", 32, 2).field("CAIG", 59, 2)
                .field("CIRG", 61, 2).field("ICC", 63)
                .onRead(v -> v & ~0x3_FFFF_0000L).onWrite(this::onCcmd));
        fsts = bank.define(Register.u32("FSTS", FSTS).w1c(FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE)
                .field("PFO", 0).field("PPF", 1).field("IQE", 4).field("ICE", 5).field("ITE", 6).field("FRI", 8, 8)
                .onWrite(this::onFsts));
        Register fectl = bank.define(eventControl("FECTL", FECTL).onWrite(w -> faultEventControlWritten()));
        Register fedata = bank.define(Register.u32("FEDATA", FEDATA).rw(config.eim() ? 0xFFFF_FFFFL : 0xFFFFL));
        Register feaddr = bank.define(Register.u32("FEADDR", FEADDR).rw(0xFFFF_FFFCL));
        Register feuaddr = bank.define(Register.u32("FEUADDR", FEUADDR).rw(eimMask));
        bank.define(Register.u64("AFLOG", AFLOG));
        bank.define(Register.u32("PMEN", PMEN).field("PRS", 0).field("EPM", 31));
        bank.define(Register.u32("PLMBASE", PLMBASE));
        bank.define(Register.u32("PLMLIMIT", PLMLIMIT));
        bank.define(Register.u64("PHMBASE", PHMBASE));
        bank.define(Register.u64("PHMLIMIT", PHMLIMIT));
        Register iqh = bank.define(Register.u64("IQH", IQH));
        Register iqt = bank.define(Register.u64("IQT", IQT).rw(0x7FFF0L).onWrite(this::onIqt));
        iqa = bank.define(Register.u64("IQA", IQA).rw(0xFFFF_FFFF_FFFF_F807L).field("QS", 0, 3).field("DW", 11).field("IQA", 12, 52));
        Register ics = bank.define(Register.u32("ICS", ICS).w1c(1).field("IWC", 0).onWrite(this::onIcs));
        Register iectl = bank.define(eventControl("IECTL", IECTL).onWrite(w -> completionEventControlWritten()));
        Register iedata = bank.define(Register.u32("IEDATA", IEDATA).rw(0xFFFF_FFFFL));
        Register ieaddr = bank.define(Register.u32("IEADDR", IEADDR).rw(0xFFFF_FFFCL));
        Register ieuaddr = bank.define(Register.u32("IEUADDR", IEUADDR).rw(eimMask));
        Register iqercd = bank.define(Register.u64("IQERCD", IQERCD).field("IQEI", 0, 4).field("ITESID", 32, 16).field("ICESID", 48, 16));
        irta = bank.define(Register.u64("IRTA", IRTA).rw(0xFFFF_FFFF_FFFF_F00FL | (config.eim() ? IRTA_EIME : 0))
                .field("S", 0, 4).field("EIME", 11).field("IRTA", 12, 52));
        // Page requests are not offered (ECAP.PRS=0): the queue registers exist and read 0.
        bank.define(Register.u64("PQH", PQH));
        bank.define(Register.u64("PQT", PQT));
        bank.define(Register.u64("PQA", PQA));
        bank.define(Register.u32("PRS", PRS));
        bank.define(Register.u32("PECTL", PECTL));
        bank.define(Register.u32("PEDATA", PEDATA));
        bank.define(Register.u32("PEADDR", PEADDR));
        bank.define(Register.u32("PEUADDR", PEUADDR));
        iva = bank.define(Register.u64("IVA", IVA).writeOnly().rw(0xFFFF_FFFF_FFFF_F07FL)
                .field("AM", 0, 6).field("IH", 6).field("ADDR", 12, 52));
        iotlb = bank.define(Register.u64("IOTLB", IOTLB).rw(0xB003_FFFF_0000_0000L)
                .field("DID", 32, 16).field("DW", 48).field("DR", 49).field("IAIG", 57, 2).field("IIRG", 60, 2).field("IVT", 63)
                .onWrite(this::onIotlb));
        int n = config.faultRecords();
        Register[] low = new Register[n];
        Register[] high = new Register[n];
        for (int i = 0; i < n; i++) {
            low[i] = bank.define(Register.u64("FRCD" + i + "_LO", FRCD + 16 * i).field("FI", 12, 52));
            high[i] = bank.define(Register.u64("FRCD" + i + "_HI", FRCD + 16 * i + 8).w1c(FaultRecorder.FRCD_F)
                    .field("SID", 0, 16).field("PP", 31).field("FR", 32, 8).field("PV", 40, 20).field("T", 62).field("F", 63)
                    .onWrite(w -> faults.updatePpf()));
        }
        faultEvent = new EventInterrupt(fectl, fedata, feaddr, feuaddr, msi);
        completionEvent = new EventInterrupt(iectl, iedata, ieaddr, ieuaddr, msi);
        faults = new FaultRecorder(id, fsts, low, high, faultEvent, trace);
        dma = new DmaRemapping(id, config, new TableWalker(memory, config), faults, trace);
        ir = new InterruptRemapping(id, config, memory, faults, trace);
        queue = new InvalidationQueue(id, config, memory, iqh, iqt, fsts, iqercd, ics, completionEvent, faults, dma, ir, trace);
    }

    private static Register.Builder statusFields(Register.Builder b, boolean status) {
        return b.field(status ? "CFIS" : "CFI", 23).field(status ? "IRTPS" : "SIRTP", 24).field(status ? "IRES" : "IRE", 25)
                .field(status ? "QIES" : "QIE", 26).field(status ? "WBFS" : "WBF", 27).field(status ? "AFLS" : "EAFL", 28)
                .field(status ? "FLS" : "SFL", 29).field(status ? "RTPS" : "SRTP", 30).field(status ? "TES" : "TE", 31);
    }

    private static Register.Builder eventControl(String name, int offset) {
        return Register.u32(name, offset).reset(CTL_IM).rw(CTL_IM).field("IP", 30).field("IM", 31);
    }

    // ---- register side effects ----

    /**
     * GCMD (spec §11.4.4): persistent bits (TE, QIE, IRE, CFI) act when they differ from GSTS,
     * one-shot bits (SRTP, SIRTP, WBF) act whenever written as 1 — software writes its GSTS
     * shadow with one bit changed. Status is updated before the write returns, because Linux
     * polls GSTS with a panic timeout (IOMMU_WAIT_OP).
     */
    private void onGcmd(RegisterWrite w) {
        long cmd = w.newValue();
        long status = gsts.value();
        long changed = status ^ cmd;
        if ((changed & TE) != 0 && config.dmaTranslation()) {
            setStatus(TE, (cmd & TE) != 0);
            dma.invalidateAll();
            if ((cmd & TE) == 0) {
                faults.resetIndex();
            }
        }
        if ((cmd & SRTP) != 0) {
            dma.setRootTable(rtaddr.value());
            setStatus(SRTP, true);
        }
        if ((changed & QIE) != 0) {
            if ((cmd & QIE) != 0) {
                setStatus(QIE, true);
                queue.enable(iqa.value());
            } else if (queue.disable()) {
                setStatus(QIE, false);
            }
        }
        if ((cmd & SIRTP) != 0) {
            ir.setTable(irta.value());
            setStatus(SIRTP, true);
        }
        if ((changed & IRE) != 0 && config.intremap()) {
            setStatus(IRE, (cmd & IRE) != 0);
        }
        if ((changed & CFI) != 0 && config.intremap()) {
            setStatus(CFI, (cmd & CFI) != 0);
        }
    }

    private void setStatus(int bit, boolean on) {
        long v = gsts.value();
        gsts.set(on ? v | bit : v & ~bit);
    }

    private boolean status(int bit) {
        return (gsts.value() & bit) != 0;
    }

    /**
     * CCMD (spec §11.4.7): acts when the dword holding ICC is written with ICC=1. Ignored (ICC
     * stays set) while queued invalidation is on. Domain-selective is performed as global and
     * reported so in CAIG, as QEMU does.
     */
    private void onCcmd(RegisterWrite w) {
        long v = w.newValue();
        if (!w.coversHighHalf() || (v & 1L << 63) == 0 || status(QIE)) {
            return;
        }
        int cirg = (int) (v >>> 61) & 3;
        int caig;
        switch (cirg) {
            case 1: case 2:
                dma.invalidateContextGlobal();
                caig = 1;
                break;
            case 3:
                dma.invalidateContextDevice((int) (v >>> 16) & 0xFFFF, (int) (v >>> 32) & 3);
                caig = 3;
                break;
            default:
                caig = 0;
        }
        ccmd.set(v & ~(1L << 63) & ~(3L << 59) | (long) caig << 59);
    }

    /** IOTLB_REG (spec §11.4.8.1): IVT=1 in the high dword runs the invalidation IIRG asks for. */
    private void onIotlb(RegisterWrite w) {
        long v = w.newValue();
        if (!w.coversHighHalf() || (v & 1L << 63) == 0 || status(QIE)) {
            return;
        }
        int did = (int) (v >>> 32) & 0xFFFF;
        int iaig;
        switch ((int) (v >>> 60) & 3) {
            case 1:
                dma.invalidateIotlbGlobal();
                iaig = 1;
                break;
            case 2:
                dma.invalidateIotlbDomain(did);
                iaig = 2;
                break;
            case 3: {
                long a = iva.value();
                int am = (int) (a & 0x3F);
                if (am > VtdConfig.MAMV) {
                    iaig = 0;
                } else {
                    dma.invalidateIotlbPages(did, a & ~0xFFFL, am);
                    iaig = 3;
                }
                break;
            }
            default:
                iaig = 0;
        }
        iotlb.set(v & ~(1L << 63) & ~(3L << 57) | (long) iaig << 57);
    }

    private void onFsts(RegisterWrite w) {
        faults.onStatusWrite();
        long queueErrors = FSTS_IQE | FSTS_ITE | FSTS_ICE;
        if ((w.oldValue() & queueErrors) != 0 && (w.newValue() & queueErrors) == 0 && status(QIE)) {
            queue.process();
        }
    }

    private void onIqt(RegisterWrite w) {
        if (w.coversLowHalf() && status(QIE)) {
            queue.process();
        }
    }

    private void onIcs(RegisterWrite w) {
        if ((w.newValue() & 1) == 0) {
            completionEvent.clearPending();
        }
    }

    private void faultEventControlWritten() {
        faultEvent.onControlWrite();
    }

    private void completionEventControlWritten() {
        completionEvent.onControlWrite();
    }

    // ---- the unit's interfaces ----

    @Override
    public Translation translate(RequesterId rid, int pasid, long iova, DmaDirection direction) {
        return translate(rid.value(), pasid, iova, direction == DmaDirection.WRITE);
    }

    /** {@link #translate(RequesterId, int, long, DmaDirection)} with a raw 16-bit source-id. */
    public Translation translate(int sourceId, int pasid, long iova, boolean write) {
        if (dma == null) {
            throw new IllegalStateException(name + " is not attached to a machine");
        }
        if (!status(TE) || !config.scope().contains(sourceId)) {
            return Translation.identity(iova);
        }
        return dma.translate(sourceId, pasid, iova, write);
    }

    /** Interrupt remapping of MSIs from requesters in scope; others, and the CPU's, pass unchanged. */
    @Override
    public MsiMessage remap(MsiMessage message) {
        int sid = message.requesterId();
        if (ir == null || sid < 0 || !config.scope().contains(sid) || !status(IRE)) {
            return message;
        }
        return ir.remap(message, status(CFI));
    }

    @Override
    public void reset() {
        if (bank == null) {
            return;
        }
        bank.reset();
        faults.reset();
        dma.reset();
        ir.reset();
        queue.reset();
    }

    // ---- what other layers use ----

    public VtdConfig config() {
        return config;
    }

    public String name() {
        return name;
    }

    /** The requester IDs this unit translates for. */
    public UnitScope scope() {
        return config.scope();
    }

    public VtdConfig.Owner owner() {
        return config.owner();
    }

    /** The register file (the MMIO ops of the window). */
    public RegisterBank registers() {
        return bank;
    }

    /** The MMIO region mapped at {@code config().base()}, null before {@link #attach}. */
    public MmioRegion region() {
        return region;
    }

    /** Installs where device-TLB invalidations go (the PCI layer's ATS endpoints). */
    public void deviceTlbInvalidation(DeviceTlbInvalidation sink) {
        queue.deviceTlb(sink);
    }

    public boolean translationEnabled() {
        return status(TE);
    }

    /** Strict mode: how many cached translations differed from memory when used. */
    public long staleTranslations() {
        return dma.staleTranslations();
    }

    /** Strict mode: how many cached interrupt-remapping entries differed from memory when used. */
    public long staleInterruptEntries() {
        return ir.staleEntries();
    }

    public long faultsRecorded() {
        return faults.recorded();
    }

    /** Faults not recorded because of PFO, compression or a full record set (FPD-suppressed ones not counted). */
    public long faultsDropped() {
        return faults.dropped();
    }

    /** Page walks done (IOTLB misses that reached the paging structures). */
    public long pageWalks() {
        return dma.walks();
    }

    /**
     * Root, context, PASID and paging-structure entries read by translation: what a hostile
     * table can cost, each walk being bounded by the levels it has.
     */
    public long walkSteps() {
        return dma.walkSteps();
    }

    public int iotlbEntries() {
        return dma.iotlbEntries();
    }

    public long descriptorsProcessed() {
        return queue.processed();
    }

    @Override
    public String toString() {
        return name + " (intel-iommu at 0x" + Long.toHexString(config.base()) + ", scope " + config.scope() + ")";
    }
}
