package dev.vplat.vfio.hostiommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.trace.TraceCategory;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.IommuCap;
import dev.vplat.vfio.iommu.IommuDomain;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The host SMMUv3 driver for one host-owned unit (Linux drivers/iommu/arm/arm-smmu-v3/
 * arm-smmu-v3.c). It drives the emulated unit only through MMIO on the system address space and
 * the structures it writes in host pool pages: a linear stream table, one context descriptor per
 * device, AArch64 translation tables, and the command and event queues.
 *
 * <p>Bring-up is arm_smmu_device_probe (fact sheet §B.16): probe the ID registers, allocate the
 * queues and the stream table (every STE an abort STE, arm_smmu_init_initial_stes), then
 * arm_smmu_device_reset — GBPA.ABORT if the unit is found enabled, CR0 ← 0, CR1/CR2, STRTAB_BASE
 * and _CFG, the command queue and CMDQEN, CFGI_ALL (+ TLBI_EL2_ALL with IDR0.HYP) and
 * TLBI_NSNH_ALL each with a CMD_SYNC, the event queue and EVENTQEN, the interrupts (IRQ_CTRL ← 0,
 * MSI address/data/attributes, IRQ_CTRL ← EVTQ | GERROR), and SMMUEN — every CR0 and IRQ_CTRL
 * write acknowledged before the next step.
 *
 * <p>Domains, as Linux makes them: blocking = an abort STE (V = 1, Config = 0b000: silent abort,
 * no event, arm_smmu_make_abort_ste); identity = a bypass STE (Config = 0b100); DMA-API default
 * and user paging domains = stage 1 (a CD with the domain's ASID and TTB0, the STE pointing at
 * the device's one-entry CD table), or stage 2 (S2TTB and VMID in the STE) when the unit has no
 * stage 1 or the domain is a nesting parent. Every STE/CD change goes through {@link EntryWriter}
 * with CFGI_STE/CFGI_CD + CMD_SYNC; every unmap is followed by CMD_TLBI_NH_VA / CMD_TLBI_S2_IPA
 * (range form with IDR3.RIL) and a CMD_SYNC; a freed domain's ASID/VMID is invalidated.
 */
public final class SmmuV3HostDriver extends HostIommuDriver {
    public static final String DRIVER_NAME = "arm-smmu-v3";
    /** IOMMU_HW_INFO_TYPE_ARM_SMMUV3 (include/uapi/linux/iommufd.h). */
    public static final int HW_INFO_TYPE_ARM_SMMUV3 = 2;
    /** MSI_IOVA_BASE / MSI_IOVA_LENGTH: the software MSI window Linux reserves (IOMMU_RESV_SW_MSI). */
    public static final long MSI_IOVA_BASE = 0x800_0000L;
    public static final long MSI_IOVA_LENGTH = 0x10_0000L;
    /** 4 KiB | 2 MiB | 1 GiB: the 4 KiB granule's page and block sizes (smmu->pgsize_bitmap). */
    public static final long PAGE_SIZES = 0x1000L | 0x20_0000L | 0x4000_0000L;
    /** Stage 1 input size without IDR5.VAX, with a 48-bit VA kernel (arm_smmu_domain_finalise). */
    static final int S1_INPUT_BITS = 48;
    /** Queues are one page each here; Linux allocates up to the size IDR1 allows. */
    private static final int CMDQ_MAX_LOG2 = 8, EVTQ_MAX_LOG2 = 7;
    /** Linux refuses a command queue not larger than CMDQ_BATCH_ENTRIES (2^6 on 64-bit). */
    private static final int CMDQ_MIN_LOG2 = 7;
    private static final int STE_BYTES = 64;
    private static final long PAGE = 4096;
    static final long STE_V = 1;
    /** io-pgtable-arm's MAIR: 0 non-cacheable, 1 write-back (what leaves use), 2 device, 3 inner-NC/outer-WB. */
    private static final long MAIR = 0xF404_FF44L;
    static final int CFG_ABORT = 0, CFG_BYPASS = 4, CFG_S1_TRANS = 5, CFG_S2_TRANS = 6;

    private final Machine machine;
    private final GuestMemory memory;
    private final HostPageAllocator pages;
    private final DomainType defaultType;
    private final long msiAddress;
    private final int msiDataBase;
    private final SmmuMmio regs;
    private final List<SmmuV3Event> events = new ArrayList<>();
    private final List<String> globalErrors = new ArrayList<>();
    private final Map<RequesterId, Long> cdTables = new HashMap<>();
    private final BitSet asids = new BitSet();
    private final BitSet vmids = new BitSet();
    private final EntryWriter steWriter;
    private final EntryWriter cdWriter;
    private final InterruptListener irqListener = new InterruptListener() {
        @Override
        public void onMsi(MsiMessage m) {
            if (m.address() == msiAddress && m.requesterId() == -1 && up) {
                if (m.data() == msiDataBase + EVTQ_MSI_INDEX) {
                    handleEvents();
                } else if (m.data() == msiDataBase + GERROR_MSI_INDEX) {
                    handleGlobalErrors();
                }
            }
        }

        @Override
        public void onIntx(int requesterId, int pin, boolean level) {
            if (requesterId == WIRED_SOURCE && level && up && !SmmuRegs.msi(idr[0])) {
                if (pin == WIRED_EVTQ) {
                    handleEvents();
                } else if (pin == WIRED_GERROR) {
                    handleGlobalErrors();
                }
            }
        }
    };
    /** MSI indexes Linux gives the unit's interrupts (EVTQ_MSI_INDEX, GERROR_MSI_INDEX). */
    static final int EVTQ_MSI_INDEX = 0, GERROR_MSI_INDEX = 1;
    /** Without IDR0.MSI the unit pulses wired lines of source -1: 1 event queue, 4 GERROR. */
    private static final int WIRED_SOURCE = -1, WIRED_EVTQ = 1, WIRED_GERROR = 4;

    private final long[] idr = new long[6];
    private int ias;
    private int oas;
    private int sidBits;
    private long strtab;
    private SmmuCommandQueue cmdq;
    private SmmuEventQueue evtq;
    private boolean up;

    /**
     * @param base        the unit's register base in system memory
     * @param defaultType {@link DomainType#IDENTITY} (bypass) or {@link DomainType#DMA}: what
     *                    groups behind the unit start in
     * @param msiAddress  where the unit's event-queue and GERROR MSIs go (on Arm {@code virt}
     *                    the GIC ITS GITS_TRANSLATER); 0 leaves the MSIs disabled
     * @param msiDataBase data of the event-queue MSI; the GERROR MSI uses the next value
     */
    public SmmuV3HostDriver(String unitId, long base, Predicate<RequesterId> scope, Machine machine,
                            HostPageAllocator pages, DomainType defaultType, long msiAddress, int msiDataBase) {
        super(DRIVER_NAME, unitId, scope, machine.trace());
        this.machine = machine;
        this.memory = machine.system();
        this.pages = pages;
        this.defaultType = identityOrDma(defaultType);
        this.msiAddress = msiAddress;
        this.msiDataBase = msiDataBase;
        this.regs = new SmmuMmio(memory, base, unitId);
        this.steWriter = new EntryWriter(memory, SmmuV3HostDriver::steUsedQwords);
        this.cdWriter = new EntryWriter(memory, SmmuV3HostDriver::cdUsedQwords);
    }

    // ---- bring-up

    /** arm_smmu_device_hw_probe, arm_smmu_init_structures and arm_smmu_device_reset; see the class doc. */
    public void bringUp() {
        hwProbe();
        int cmdqLog2 = Math.min(SmmuRegs.cmdqShift(idr[1]), CMDQ_MAX_LOG2);
        int evtqLog2 = Math.min(SmmuRegs.evtqShift(idr[1]), EVTQ_MAX_LOG2);
        cmdq = new SmmuCommandQueue(regs, memory, pages, cmdqLog2,
                SmmuRegs.msi(idr[0]) && SmmuRegs.coherent(idr[0]), this::logError);
        evtq = new SmmuEventQueue(regs, memory, pages, evtqLog2);
        strtab = HostTables.zeroedBlock(memory, pages, HostTables.pagesFor((long) STE_BYTES << sidBits));
        for (long sid = 0; sid < 1L << sidBits; sid++) {
            memory.writeRam(strtab + sid * STE_BYTES, 8, STE_V | CFG_ABORT << 1);
        }
        deviceReset();
        up = true;
        log("SMMUv3 at 0x%x: ias %d-bit, oas %d-bit, %d-bit SIDs, stage%s, %s CMD_SYNC", regs.base(), ias, oas,
                sidBits, SmmuRegs.s1p(idr[0]) ? (SmmuRegs.s2p(idr[0]) ? " 1+2" : " 1") : " 2",
                SmmuRegs.msi(idr[0]) && SmmuRegs.coherent(idr[0]) ? "MSI-polled" : "CONS-polled");
    }

    private void hwProbe() {
        for (int i = 0; i < idr.length; i++) {
            idr[i] = regs.read32(4 * i) & 0xFFFF_FFFFL;
        }
        if (!SmmuRegs.littleEndianTables(idr[0])) {
            fail("big-endian table walks only (IDR0.TTENDIAN)");
        }
        if (!SmmuRegs.s1p(idr[0]) && !SmmuRegs.s2p(idr[0])) {
            fail("no translation support (IDR0.S1P = S2P = 0)");
        }
        if (!SmmuRegs.ttfAarch64(idr[0])) {
            fail("AArch64 table format not supported (IDR0.TTF)");
        }
        if (SmmuRegs.presetOrRelative(idr[1])) {
            fail("embedded implementation not supported (IDR1 TABLES_PRESET/QUEUES_PRESET/REL)");
        }
        if (SmmuRegs.cmdqShift(idr[1]) < CMDQ_MIN_LOG2) {
            fail("command queue size is too small (IDR1.CMDQS = " + SmmuRegs.cmdqShift(idr[1]) + ")");
        }
        if (!SmmuRegs.gran4k(idr[5])) {
            fail("the driver maps with the 4 KiB granule, which the unit lacks (IDR5.GRAN4K)");
        }
        sidBits = SmmuRegs.sidBits(idr[1]);
        oas = Math.min(SmmuRegs.oasBits(idr[5]), 48);
        ias = oas;
    }

    private void fail(String why) {
        throw new IllegalStateException(unitId() + ": " + why);
    }

    private void deviceReset() {
        if ((regs.read32(SmmuRegs.CR0) & SmmuRegs.CR0_SMMUEN) != 0) {
            log("SMMU currently enabled! Resetting...");
            updateGbpa(SmmuRegs.GBPA_ABORT, 0);
        }
        regs.writeSync(SmmuRegs.CR0, SmmuRegs.CR0ACK, 0, "CR0 disable");
        regs.write32(SmmuRegs.CR1, SmmuRegs.CR1_ISH_WB);
        regs.write32(SmmuRegs.CR2, SmmuRegs.CR2_PTM | SmmuRegs.CR2_RECINVSID);
        regs.write64(SmmuRegs.STRTAB_BASE, SmmuRegs.STRTAB_BASE_RA | strtab);
        regs.write32(SmmuRegs.STRTAB_BASE_CFG, SmmuRegs.STRTAB_BASE_CFG_FMT_LINEAR << 16 | sidBits);
        regs.write64(SmmuRegs.CMDQ_BASE, cmdq.baseRegister());
        regs.write32(SmmuRegs.CMDQ_PROD, 0);
        regs.write32(SmmuRegs.CMDQ_CONS, 0);
        int enables = SmmuRegs.CR0_CMDQEN;
        regs.writeSync(SmmuRegs.CR0, SmmuRegs.CR0ACK, enables, "CR0.CMDQEN");
        cmdq.issueWithSync(SmmuCommandQueue.cfgiAll());
        if (SmmuRegs.hyp(idr[0])) {
            cmdq.issueWithSync(SmmuCommandQueue.tlbiEl2All());
        }
        cmdq.issueWithSync(SmmuCommandQueue.tlbiNsnhAll());
        regs.write64(SmmuRegs.EVTQ_BASE, evtq.baseRegister());
        regs.write32(SmmuRegs.EVTQ_PROD, 0);
        regs.write32(SmmuRegs.EVTQ_CONS, 0);
        enables |= SmmuRegs.CR0_EVTQEN;
        regs.writeSync(SmmuRegs.CR0, SmmuRegs.CR0ACK, enables, "CR0.EVENTQEN");
        setUpIrqs();
        enables |= SmmuRegs.CR0_SMMUEN;
        regs.writeSync(SmmuRegs.CR0, SmmuRegs.CR0ACK, enables, "CR0.SMMUEN");
    }

    /** arm_smmu_update_gbpa: wait for Update = 0, write the new value with Update, wait again. */
    private void updateGbpa(int set, int clear) {
        regs.waitFor(SmmuRegs.GBPA, SmmuRegs.GBPA_UPDATE, 0, "GBPA update");
        int value = (regs.read32(SmmuRegs.GBPA) & ~clear) | set;
        regs.write32(SmmuRegs.GBPA, value | SmmuRegs.GBPA_UPDATE);
        regs.waitFor(SmmuRegs.GBPA, SmmuRegs.GBPA_UPDATE, 0, "GBPA update");
    }

    /**
     * arm_smmu_setup_irqs: interrupts off, MSI addresses cleared, then each MSI's address, data and
     * Device-nGnRE attributes in the MSI domain's index order (event queue, GERROR), then
     * IRQ_CTRL ← EVTQ_IRQEN | GERROR_IRQEN.
     */
    private void setUpIrqs() {
        regs.writeSync(SmmuRegs.IRQ_CTRL, SmmuRegs.IRQ_CTRLACK, 0, "IRQ_CTRL disable");
        regs.write64(SmmuRegs.GERROR_IRQ_CFG0, 0);
        regs.write64(SmmuRegs.EVTQ_IRQ_CFG0, 0);
        if ((idr[0] >>> 16 & 1) != 0) {
            regs.write64(SmmuRegs.PRIQ_IRQ_CFG0, 0);
        }
        if (SmmuRegs.msi(idr[0]) && msiAddress != 0) {
            writeMsi(SmmuRegs.EVTQ_IRQ_CFG0, SmmuRegs.EVTQ_IRQ_CFG1, SmmuRegs.EVTQ_IRQ_CFG2, msiDataBase + EVTQ_MSI_INDEX);
            writeMsi(SmmuRegs.GERROR_IRQ_CFG0, SmmuRegs.GERROR_IRQ_CFG1, SmmuRegs.GERROR_IRQ_CFG2,
                    msiDataBase + GERROR_MSI_INDEX);
        }
        machine.interrupts().addListener(irqListener);
        regs.writeSync(SmmuRegs.IRQ_CTRL, SmmuRegs.IRQ_CTRLACK, SmmuRegs.IRQ_CTRL_EVTQ_IRQEN | SmmuRegs.IRQ_CTRL_GERROR_IRQEN,
                "IRQ_CTRL enable");
    }

    /** arm_smmu_write_msi_msg. */
    private void writeMsi(int cfg0, int cfg1, int cfg2, int data) {
        regs.write64(cfg0, msiAddress & 0x000F_FFFF_FFFF_FFFCL);
        regs.write32(cfg1, data);
        regs.write32(cfg2, SmmuRegs.MEMATTR_DEVICE_NGNRE);
    }

    /** Stops listening for the unit's interrupts (the machine is being torn down or reset). */
    public void shutdown() {
        machine.interrupts().removeListener(irqListener);
        up = false;
    }

    // ---- interrupts

    /**
     * arm_smmu_evtq_thread: reads every pending event record, keeps and traces each, and notes an
     * overflow. Called on the event-queue interrupt; a test may call it to poll.
     */
    public List<SmmuV3Event> handleEvents() {
        List<SmmuV3Event> found = new ArrayList<>();
        long overflowsBefore = evtq.overflows();
        for (long[] dw : evtq.drain()) {
            SmmuV3Event e = SmmuV3Event.decode(unitId(), dw);
            found.add(e);
            log("%s", e);
        }
        if (evtq.overflows() != overflowsBefore) {
            logError("EVTQ overflow detected -- events lost");
        }
        events.addAll(found);
        return found;
    }

    /** Every event the driver has read since bring-up, oldest first. */
    public List<SmmuV3Event> events() {
        return List.copyOf(events);
    }

    /** Global errors and command errors the driver logged, oldest first. */
    public List<String> errors() {
        return List.copyOf(globalErrors);
    }

    /**
     * arm_smmu_gerror_handler: the active errors are the GERROR bits that differ from GERRORN;
     * each is logged, a command-queue error is skipped as the command queue does, and all are
     * acknowledged by writing GERRORN = GERROR.
     */
    public void handleGlobalErrors() {
        int gerror = regs.read32(SmmuRegs.GERROR);
        int active = (gerror ^ regs.read32(SmmuRegs.GERRORN)) & SmmuRegs.GERROR_ERR_MASK;
        if (active == 0) {
            return;
        }
        logError(String.format("unexpected global error reported (0x%08x), this could be serious", active));
        if ((active & SmmuRegs.GERROR_CMDQ_ERR) != 0) {
            cmdq.skipErrorIfActive();
        }
        regs.write32(SmmuRegs.GERRORN, regs.read32(SmmuRegs.GERROR));
    }

    private void logError(String message) {
        globalErrors.add(message);
        trace.line(TraceCategory.IOMMU, unitId(), message);
    }

    // ---- HostIommu

    /** PCI devices group by topology (pci_device_group, arm_smmu_device_group). */
    @Override
    public boolean groupsPerDevice() {
        return false;
    }

    public long base() {
        return regs.base();
    }

    public long windowSize() {
        return SmmuRegs.WINDOW_SIZE;
    }

    @Override
    public IommuDomain allocDefaultDomain() {
        requireUp();
        return defaultType == DomainType.DMA ? newDomain(DomainType.DMA, !SmmuRegs.s1p(idr[0])) : identity;
    }

    /**
     * arm_smmu_domain_alloc_paging_flags: stage 1 unless the unit only has stage 2; a nesting parent
     * is a stage 2 domain and needs both stages (ARM_SMMU_FEAT_NESTING); dirty tracking needs
     * HTTU dirty-state update, which the unit does not offer. EOPNOTSUPP otherwise.
     */
    @Override
    public PagingDomain allocPagingDomain(int flags) {
        requireUp();
        requireKnownAllocFlags(flags, "unknown domain allocation flags");
        if ((flags & ALLOC_DIRTY_TRACKING) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, unitId() + " cannot track dirty pages (no HTTU dirty-state update)");
        }
        boolean stage2 = !SmmuRegs.s1p(idr[0]);
        if ((flags & ALLOC_NEST_PARENT) != 0) {
            if (!SmmuRegs.s1p(idr[0]) || !SmmuRegs.s2p(idr[0])) {
                throw new ErrnoException(Errno.EOPNOTSUPP, unitId() + " cannot nest: it lacks stage 1 or stage 2");
            }
            stage2 = true;
        }
        FailNth.point(FaultPoint.DOMAIN_ALLOC);
        return newDomain(DomainType.UNMANAGED, stage2);
    }

    private SmmuTranslatedDomain newDomain(DomainType type, boolean stage2) {
        BitSet ids = stage2 ? vmids : asids;
        int bits = stage2 ? (SmmuRegs.vmid16(idr[0]) ? 16 : 8) : (SmmuRegs.asid16(idr[0]) ? 16 : 8);
        int tag = ids.nextClearBit(1);
        if (tag >= 1 << bits) {
            throw new ErrnoException(Errno.ENOSPC, unitId() + ": no free " + (stage2 ? "VMID" : "ASID"));
        }
        int inputBits = stage2 ? ias : S1_INPUT_BITS;
        LpaeTable table = new LpaeTable(memory, pages, stage2 ? LpaeTable.Format.STAGE2 : LpaeTable.Format.STAGE1, inputBits);
        ids.set(tag);
        SmmuTranslatedDomain domain = new SmmuTranslatedDomain(this, type, stage2, tag, table);
        try {
            mapMsiDoorbell(domain);
        } catch (RuntimeException e) {
            domain.free();
            throw e;
        }
        return domain;
    }

    /**
     * What iommu_dma_prepare_msi (DMA domains) and iommufd's software-MSI install (paging domains
     * of a user) do on Arm: the page of the MSI doorbell (GITS_TRANSLATER on {@code virt}) is
     * mapped writable at the start of the IOMMU_RESV_SW_MSI window, so a device in the domain
     * reaches the ITS at {@code MSI_IOVA_BASE + (doorbell & 0xFFF)}. Not on x86, where DMA to
     * the interrupt window is never translated, nor without a doorbell.
     */
    private void mapMsiDoorbell(SmmuTranslatedDomain domain) {
        if (msiAddress != 0 && !MsiMessage.inX86Window(msiAddress)) {
            domain.map(MSI_IOVA_BASE, msiAddress & -PAGE, PAGE, PagingDomain.PROT_WRITE);
        }
    }

    void releaseTag(boolean stage2, int tag) {
        (stage2 ? vmids : asids).clear(tag);
    }

    /**
     * arm_smmu_attach_dev / arm_smmu_attach_dev_ste: for a stage 1 domain the device's CD is
     * written first, then the STE is moved to its new configuration; leaving stage 1 clears the CD
     * afterwards (arm_smmu_clear_cd). ERANGE for a StreamID beyond the stream table.
     */
    @Override
    public void attachDevice(IommuDomain domain, RequesterId rid) {
        requireUp();
        requireOwnDomain(domain);
        int sid = rid.value();
        if (sid >= 1L << sidBits) {
            throw new ErrnoException(Errno.ERANGE, String.format("StreamID 0x%x is beyond the %d-bit stream table", sid, sidBits));
        }
        if (attachedDomain(rid) == domain) {
            return;
        }
        FailNth.point(FaultPoint.ATTACH_DEV);
        long[] ste;
        if (domain instanceof SmmuTranslatedDomain t && !t.stage2()) {
            long cdTable = cdTables.computeIfAbsent(rid, r -> HostTables.zeroedPage(memory, pages));
            cdWriter.write(cdTable, contextDescriptor(t), () -> cmdq.issueWithSync(SmmuCommandQueue.cfgiCd(sid, 0)));
            ste = cdTableSte(cdTable);
        } else if (domain instanceof SmmuTranslatedDomain t) {
            ste = stage2Ste(t);
        } else if (domain.type() == DomainType.IDENTITY) {
            ste = bypassSte();
        } else {
            ste = abortSte();
        }
        steWriter.write(steAddress(sid), ste, () -> cmdq.issueWithSync(SmmuCommandQueue.cfgiSte(sid)));
        IommuDomain old = recordAttach(rid, domain);
        if (old instanceof SmmuTranslatedDomain t && !t.stage2()
                && !(domain instanceof SmmuTranslatedDomain n && !n.stage2())) {
            cdWriter.write(cdTables.get(rid), new long[EntryWriter.QWORDS],
                    () -> cmdq.issueWithSync(SmmuCommandQueue.cfgiCd(sid, 0)));
        }
        log("%s: STE -> %s", rid, domain);
    }

    long steAddress(int sid) {
        return strtab + (long) sid * STE_BYTES;
    }

    /** arm_smmu_make_abort_ste. */
    static long[] abortSte() {
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STE_V | CFG_ABORT << 1;
        return ste;
    }

    /** arm_smmu_make_bypass_ste: SHCFG = incoming only when the unit can override attributes. */
    private long[] bypassSte() {
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STE_V | CFG_BYPASS << 1;
        ste[1] = SmmuRegs.attrTypesOverride(idr[1]) ? 1L << 44 : 0;
        return ste;
    }

    /**
     * arm_smmu_make_cdtable_ste: stage 1 through a linear table of one CD (S1CDMax = 0), CD
     * fetches write-back read-allocate inner-shareable, NS-EL1 StreamWorld, S2VMID 0.
     */
    private static long[] cdTableSte(long cdTable) {
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STE_V | CFG_S1_TRANS << 1 | (cdTable & 0x00FF_FFFF_FFFF_FFC0L);
        ste[1] = 2 | 1L << 2 | 1L << 4 | 3L << 6;
        return ste;
    }

    /**
     * arm_smmu_make_s1_cd: TTB0 only (EPD1), T0SZ for the domain's input size, 4 KiB granule,
     * write-back inner-shareable walks, IPS = the unit's address size, AArch64, faults recorded
     * (R) and aborted (A), a non-shared ASID set, and io-pgtable-arm's MAIR.
     */
    private long[] contextDescriptor(SmmuTranslatedDomain d) {
        long[] cd = new long[EntryWriter.QWORDS];
        cd[0] = (64 - d.table().inputBits()) | 1L << 8 | 1L << 10 | 3L << 12 | 1L << 30 | 1L << 31
                | (long) addressSizeCode(oas) << 32 | 1L << 41 | 1L << 45 | 1L << 46 | 1L << 47 | (long) d.tag() << 48;
        cd[1] = d.table().root() & 0x000F_FFFF_FFFF_FFF0L;
        cd[3] = MAIR;
        return cd;
    }

    /**
     * arm_smmu_make_s2_domain_ste: VMID, VTCR (S2T0SZ, S2SL0 for the table's start level,
     * write-back inner-shareable walks, 4 KiB granule, S2PS), AArch64, S2PTW, faults recorded
     * (S2R), and S2TTB.
     */
    private long[] stage2Ste(SmmuTranslatedDomain d) {
        long[] ste = new long[EntryWriter.QWORDS];
        ste[0] = STE_V | CFG_S2_TRANS << 1;
        ste[1] = SmmuRegs.attrTypesOverride(idr[1]) ? 1L << 44 : 0;
        long vtcr = (64 - d.table().inputBits()) | (long) (2 - d.table().startLevel()) << 6 | 1L << 8 | 1L << 10
                | 3L << 12 | (long) addressSizeCode(oas) << 16;
        ste[2] = d.tag() | vtcr << 32 | 1L << 51 | 1L << 54 | 1L << 58;
        ste[3] = d.table().root() & 0x000F_FFFF_FFFF_FFF0L;
        return ste;
    }

    /** The IPS/S2PS encoding of an address size (IHI 0070 §5.4). */
    private static int addressSizeCode(int bits) {
        return switch (bits) {
            case 32 -> 0;
            case 36 -> 1;
            case 40 -> 2;
            case 42 -> 3;
            case 44 -> 4;
            default -> 5;
        };
    }

    /** Qwords of an STE the unit reads for its configuration (arm_smmu_get_ste_used, by qword). */
    static int steUsedQwords(long[] ste) {
        if ((ste[0] & STE_V) == 0) {
            return 1;
        }
        return switch ((int) (ste[0] >>> 1 & 7)) {
            case CFG_BYPASS -> 0b11;
            case CFG_S1_TRANS -> 0b111;
            case CFG_S2_TRANS, 7 -> 0b1111;
            default -> 1;
        };
    }

    /** Qwords of a CD in use: only qword 0 while V = 0, else the TCR/ASID, TTB0 and MAIR qwords. */
    static int cdUsedQwords(long[] cd) {
        return (cd[0] >>> 31 & 1) == 0 ? 1 : 0b1011;
    }

    /** Invalidates leaves of one size in [iova, iova+size) for a domain, then CMD_SYNC. */
    void invalidateRange(SmmuTranslatedDomain d, long iova, long size, long granule) {
        cmdq.issueWithSync(TlbiRange.commands(d.stage2(), d.tag(), iova, size, granule,
                SmmuRegs.rangeInvalidation(idr[3])));
    }

    /** arm_smmu_tlb_inv_context: every TLB entry of the domain's ASID (stage 1) or VMID (stage 2). */
    void invalidateAll(SmmuTranslatedDomain d) {
        cmdq.issueWithSync(d.stage2() ? SmmuCommandQueue.tlbiS12Vmall(d.tag()) : SmmuCommandQueue.tlbiNhAsid(d.tag()));
    }

    /** The software MSI window (arm_smmu_get_resv_regions: MSI_IOVA_BASE, IOMMU_RESV_SW_MSI). */
    @Override
    public List<ReservedRegion> reservedRegions(RequesterId rid) {
        return List.of(new ReservedRegion(MSI_IOVA_BASE, MSI_IOVA_BASE + MSI_IOVA_LENGTH - 1, ReservedRegion.Type.SW_MSI));
    }

    /**
     * struct iommu_hw_info_arm_smmuv3 {u32 flags; u32 __reserved; u32 idr[6]; u32 iidr; u32 aidr;}
     * with the registers read from the unit now, as arm_smmu_hw_info does.
     */
    @Override
    public IommuHwInfo hwInfo() {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(0);
        for (int i = 0; i < 6; i++) {
            b.putInt(regs.read32(SmmuRegs.IDR0 + 4 * i));
        }
        b.putInt(regs.read32(SmmuRegs.IIDR)).putInt(regs.read32(SmmuRegs.AIDR));
        return new IommuHwInfo(HW_INFO_TYPE_ARM_SMMUV3, b.array(), 0);
    }

    /** Command errors the unit reported since bring-up. */
    public long commandErrors() {
        return cmdq.errorsSeen();
    }

    private void requireUp() {
        if (!up) {
            throw new IllegalStateException(unitId() + " has not been brought up");
        }
    }

    /**
     * arm_smmu_capable: coherent table walks and DMA (IDR0.COHACC, which the model offers);
     * no hardware dirty tracking, since the host driver does not program HTTU.
     */
    @Override
    public boolean capable(RequesterId rid, IommuCap cap) {
        return cap == IommuCap.CACHE_COHERENCY;
    }

}
