package dev.vplat.vfio.hostiommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.machine.MemoryMapEntry;
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

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * The host VT-d driver for one host-owned DMAR unit (Linux drivers/iommu/intel/). It drives the
 * emulated unit only through MMIO on the system address space and through the structures it
 * writes in host pages of emulated RAM: a legacy-mode root table, context tables, second-level
 * page tables and a queued-invalidation ring.
 *
 * <p>Bring-up follows Linux (fact sheet A.15): validate CAP/ECAP, mirror GSTS into the GCMD
 * shadow, drain old faults, enable QI, disable stale translation, set the root table (SRTP),
 * invalidate context cache and IOTLB globally, program and unmask the fault MSI; after the core
 * has attached every device's default domain, {@link #enableTranslation()} sets GCMD.TE.
 *
 * <p>Domains: blocking = context entry not present (Linux's blocked domain clears it, so DMA
 * faults with reason 0x2); identity = pass-through (context TT=10) when ECAP.PT, otherwise an
 * identity-mapped table of all RAM; DMA-API default and user paging domains = second-level
 * tables. Every context change is followed by a device-selective context-cache invalidation and
 * a domain-selective IOTLB invalidation, every unmap (and, with CAP.CM, every map) by one
 * page-selective IOTLB invalidation of its range, each batch closed by a wait descriptor with
 * status write.
 */
public final class VtdHostDriver extends HostIommuDriver {
    public static final String DRIVER_NAME = "intel-iommu";
    /** Context entry translation types (spec §9.3). */
    private static final long TT_UNTRANSLATED = 0;
    private static final long TT_PASS_THROUGH = 2;
    private static final int MAX_DOMAIN_ID = 0xFFFF;

    private final Machine machine;
    private final GuestMemory memory;
    private final HostPageAllocator pages;
    private final DomainType defaultType;
    private final MsiMessage faultMsi;
    private final DmarMmio regs;
    private final List<VtdFault> faults = new ArrayList<>();
    private final BitSet domainIds = new BitSet();
    private final InterruptListener faultListener = new InterruptListener() {
        @Override
        public void onMsi(MsiMessage message) {
            if (message.address() == faultMsi.address() && message.data() == faultMsi.data()) {
                handleFaults();
            }
        }
    };
    private long cap;
    private long ecap;
    private int gcmd;
    private long rootTable;
    private InvalidationQueue qi;
    private int passThroughDomainId;
    private VtdTranslatedDomain identityTable;
    private boolean up;

    /**
     * @param base        the unit's register base in system memory
     * @param defaultType {@link DomainType#IDENTITY} or {@link DomainType#DMA}: the kind of default
     *                    domain groups behind this unit start in
     * @param faultMsi    the MSI the unit's fault event is programmed to send (FEADDR/FEDATA)
     */
    public VtdHostDriver(String unitId, long base, Predicate<RequesterId> scope, Machine machine,
                         HostPageAllocator pages, DomainType defaultType, MsiMessage faultMsi) {
        super(DRIVER_NAME, unitId, scope, machine.trace());
        this.machine = machine;
        this.memory = machine.system();
        this.pages = pages;
        this.defaultType = identityOrDma(defaultType);
        this.faultMsi = faultMsi;
        this.regs = new DmarMmio(memory, base, unitId);
    }

    /** The steps of intel_iommu_init up to (not including) translation enable; see the class doc. */
    public void bringUp() {
        cap = regs.read64(DmarRegs.CAP);
        ecap = regs.read64(DmarRegs.ECAP);
        if (cap == -1L && ecap == -1L) {
            throw new IllegalStateException(unitId() + ": no DMAR unit at 0x" + Long.toHexString(regs.base()));
        }
        if (!DmarRegs.ecapQi(ecap)) {
            throw new IllegalStateException(unitId() + ": the host driver needs queued invalidation (ECAP.QI)");
        }
        if (DmarRegs.capSagaw(cap) == 0) {
            throw new IllegalStateException(unitId() + ": no supported second-level address width (CAP.SAGAW=0)");
        }
        int ver = regs.read32(DmarRegs.VER);
        gcmd = regs.read32(DmarRegs.GSTS) & DmarRegs.GCMD_PERSISTENT;
        log("DMAR unit at 0x%x ver %d:%d cap 0x%x ecap 0x%x", regs.base(), (ver >> 4) & 0xF, ver & 0xF, cap, ecap);
        handleFaults();
        if ((gcmd & DmarRegs.GCMD_QIE) != 0) {
            disableQi();
        }
        qi = new InvalidationQueue(regs, memory, pages, cap);
        qi.enable(gcmd);
        gcmd |= DmarRegs.GCMD_QIE;
        if ((gcmd & DmarRegs.GCMD_TE) != 0) {
            gcmd &= ~DmarRegs.GCMD_TE;
            regs.write32(DmarRegs.GCMD, gcmd);
            regs.waitFor(DmarRegs.GSTS, DmarRegs.GCMD_TE, 0, "translation disable");
        }
        rootTable = HostTables.zeroedPage(memory, pages);
        flushWriteBuffer();
        regs.write64(DmarRegs.RTADDR, rootTable);
        regs.write32(DmarRegs.GCMD, gcmd | DmarRegs.GCMD_SRTP);
        regs.waitFor(DmarRegs.GSTS, DmarRegs.GCMD_SRTP, DmarRegs.GCMD_SRTP, "set root table pointer");
        if (!DmarRegs.capEsrtps(cap)) {
            qi.contextGlobal();
            qi.iotlbGlobal();
        }
        flushWriteBuffer();
        regs.write32(DmarRegs.FEDATA, faultMsi.data());
        regs.write32(DmarRegs.FEADDR, (int) faultMsi.address());
        regs.write32(DmarRegs.FEUADDR, (int) (faultMsi.address() >>> 32));
        regs.write32(DmarRegs.FECTL, 0);
        machine.interrupts().addListener(faultListener);
        passThroughDomainId = allocateDomainId();
        up = true;
    }

    /** iommu_enable_translation: GCMD.TE, wait for GSTS.TES. */
    public void enableTranslation() {
        gcmd |= DmarRegs.GCMD_TE;
        regs.write32(DmarRegs.GCMD, gcmd);
        regs.waitFor(DmarRegs.GSTS, DmarRegs.GCMD_TE, DmarRegs.GCMD_TE, "translation enable");
        log("translation enabled");
    }

    /** Stops listening for fault events (the machine is being torn down or reset). */
    public void shutdown() {
        machine.interrupts().removeListener(faultListener);
        up = false;
    }

    /** dmar_disable_qi: wait for the queue to drain, clear QIE, wait for QIES to clear. */
    private void disableQi() {
        for (int i = 0; i < 1000 && regs.read32(DmarRegs.IQT) != regs.read32(DmarRegs.IQH); i++) {
            // the hardware drains synchronously; one read normally suffices
        }
        gcmd &= ~DmarRegs.GCMD_QIE;
        regs.write32(DmarRegs.GCMD, gcmd);
        regs.waitFor(DmarRegs.GSTS, DmarRegs.GCMD_QIE, 0, "QI disable");
    }

    /** iommu_flush_write_buffer: only units that report CAP.RWBF need it. */
    private void flushWriteBuffer() {
        if (DmarRegs.capRwbf(cap)) {
            regs.write32(DmarRegs.GCMD, gcmd | DmarRegs.GCMD_WBF);
            regs.waitFor(DmarRegs.GSTS, DmarRegs.GCMD_WBF, 0, "write-buffer flush");
        }
    }

    // ---- faults ----

    /**
     * dmar_fault: reads the pending fault records from FSTS.FRI on, clears each by writing F,
     * then clears PFO/PPF/PRO in FSTS. Returns the records read; they are also kept in
     * {@link #faults()} and traced.
     */
    public List<VtdFault> handleFaults() {
        List<VtdFault> found = new ArrayList<>();
        int fsts = regs.read32(DmarRegs.FSTS);
        if ((fsts & DmarRegs.FSTS_PPF) != 0) {
            int records = DmarRegs.capFaultRecords(cap);
            int index = (fsts >>> 8) & 0xFF;
            for (int n = 0; n < records; n++) {
                int reg = DmarRegs.capFaultRecordOffset(cap) + 16 * index;
                int hi = regs.read32(reg + 12);
                if (hi >= 0) {
                    break;
                }
                int sid = regs.read32(reg + 8) & 0xFFFF;
                long addr = regs.read64(reg) & ~0xFFFL;
                regs.write32(reg + 12, 1 << 31);
                VtdFault fault = new VtdFault(unitId(), RequesterId.fromValue(sid), addr, hi & 0xFF, (hi & (1 << 30)) != 0);
                found.add(fault);
                trace.log(TraceCategory.IOMMU, unitId(), fault.toString());
                index = (index + 1) % records;
            }
        }
        if ((fsts & (DmarRegs.FSTS_PFO | DmarRegs.FSTS_PPF | DmarRegs.FSTS_PRO)) != 0 || !found.isEmpty()) {
            regs.write32(DmarRegs.FSTS, DmarRegs.FSTS_PFO | DmarRegs.FSTS_PPF | DmarRegs.FSTS_PRO);
        }
        faults.addAll(found);
        return found;
    }

    /** Every fault the driver has read since bring-up, oldest first. */
    public List<VtdFault> faults() {
        return List.copyOf(faults);
    }

    // ---- HostIommu ----

    @Override
    public boolean groupsPerDevice() {
        return false;
    }

    /**
     * intel_iommu_capable: coherency is always enforceable; dirty tracking needs scalable-mode
     * second-level A/D bits (ssads_supported), which the legacy-mode tables here do not use.
     */
    @Override
    public boolean capable(RequesterId rid, IommuCap cap) {
        return cap == IommuCap.CACHE_COHERENCY;
    }

    public long base() {
        return regs.base();
    }

    /** The register window Linux maps for this unit (map_iommu). */
    public long windowSize() {
        return DmarRegs.windowSize(cap, ecap);
    }

    @Override
    public IommuDomain allocDefaultDomain() {
        requireUp();
        if (defaultType == DomainType.DMA) {
            return newTranslatedDomain(DomainType.DMA);
        }
        if (DmarRegs.ecapPassThrough(ecap)) {
            return identity;
        }
        if (identityTable == null) {
            identityTable = newTranslatedDomain(DomainType.IDENTITY);
            boolean twoMeg = (cap & (1L << 34)) != 0;
            for (MemoryMapEntry e : machine.memoryMap()) {
                if (e.kind().equals("ram")) {
                    identityTable.mapIdentity(e.base(), e.size(), twoMeg);
                }
            }
        }
        return identityTable;
    }

    /**
     * intel_iommu_domain_alloc_paging_flags. Dirty tracking needs scalable mode with ECAP.SLADS and
     * nesting needs ECAP.NEST; this driver programs legacy-mode tables, so both are EOPNOTSUPP.
     */
    @Override
    public PagingDomain allocPagingDomain(int flags) {
        requireUp();
        requireKnownAllocFlags(flags, "unknown domain allocation flags");
        if ((flags & ALLOC_DIRTY_TRACKING) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, unitId() + " cannot track dirty pages (legacy-mode second-level tables)");
        }
        if ((flags & ALLOC_NEST_PARENT) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, unitId() + " cannot be a nesting parent (legacy-mode tables)");
        }
        FailNth.point(FaultPoint.DOMAIN_ALLOC);
        return newTranslatedDomain(DomainType.UNMANAGED);
    }

    private VtdTranslatedDomain newTranslatedDomain(DomainType type) {
        int levels = (DmarRegs.capSagaw(cap) & 0b100) != 0 ? 4 : 3;
        SecondLevelTable table = new SecondLevelTable(memory, pages, levels);
        int width = Math.min(table.addressWidth(), DmarRegs.capMgaw(cap));
        return new VtdTranslatedDomain(this, type, allocateDomainId(), table, (1L << width) - 1);
    }

    private int allocateDomainId() {
        // Domain id 0 is never used: with CAP.CM, hardware tags cached not-present entries with it.
        int id = domainIds.nextClearBit(1);
        if (id > MAX_DOMAIN_ID) {
            throw new ErrnoException(Errno.ENOSPC, unitId() + ": no free domain id");
        }
        domainIds.set(id);
        return id;
    }

    void releaseDomainId(int id) {
        domainIds.clear(id);
    }

    /**
     * domain_context_mapping_one / device_block_translation: clears the present context entry
     * (with context-cache and IOTLB invalidation of the old domain), then, unless blocking, writes
     * the new one — high quadword first, the present bit last — and invalidates again.
     */
    @Override
    public void attachDevice(IommuDomain domain, RequesterId rid) {
        requireUp();
        requireOwnDomain(domain);
        if (attachedDomain(rid) == domain) {
            return;
        }
        FailNth.point(FaultPoint.ATTACH_DEV);
        long entry = contextEntry(rid);
        long lo = memory.readRam(entry, 8);
        if ((lo & 1) != 0) {
            int oldDid = (int) (memory.readRam(entry + 8, 8) >>> 8) & 0xFFFF;
            memory.writeRam(entry, 8, 0);
            memory.writeRam(entry + 8, 8, 0);
            qi.contextDeviceAndIotlbDomain(oldDid, rid.value(), oldDid);
        }
        if (domain.type() == DomainType.BLOCKED) {
            recordAttach(rid, domain);
            log("%s: context entry cleared (blocking)", rid);
            return;
        }
        int did;
        long newLo;
        int aw;
        if (domain instanceof VtdTranslatedDomain t) {
            did = t.domainId();
            aw = t.table().levels() - 2;
            newLo = t.table().root() | TT_UNTRANSLATED << 2 | 1;
        } else {
            did = passThroughDomainId;
            aw = (DmarRegs.capSagaw(cap) & 0b100) != 0 ? 2 : 1;
            newLo = TT_PASS_THROUGH << 2 | 1;
        }
        memory.writeRam(entry + 8, 8, aw | (long) did << 8);
        memory.writeRam(entry, 8, newLo);
        qi.contextDeviceAndIotlbDomain(DmarRegs.capCachingMode(cap) ? 0 : did, rid.value(), did);
        recordAttach(rid, domain);
        log("%s: context entry -> %s domain, DID %d", rid, domain.type().wireName(), did);
    }

    /** Address of the legacy context entry for {@code rid}, creating its context table on demand. */
    private long contextEntry(RequesterId rid) {
        long rootEntry = rootTable + rid.bus() * 16L;
        long lo = memory.readRam(rootEntry, 8);
        long contextTable;
        if ((lo & 1) == 0) {
            contextTable = HostTables.zeroedPage(memory, pages);
            memory.writeRam(rootEntry + 8, 8, 0);
            memory.writeRam(rootEntry, 8, contextTable | 1);
        } else {
            contextTable = lo & ~0xFFFL;
        }
        return contextTable + rid.devfn() * 16L;
    }

    /**
     * intel_iommu_iotlb_sync_map (cache_tag_flush_range_np; __mapping_notify_one before 6.10):
     * a not-present to present change needs no IOTLB invalidation unless the unit caches
     * not-present entries (CAP.CM, as a virtual IOMMU's shadowing does); otherwise only the
     * write buffer is flushed, which {@link #flushWriteBuffer} does only for CAP.RWBF units.
     */
    void syncMap(int domainId, long iova, long length) {
        if (DmarRegs.capCachingMode(cap)) {
            flushIotlbRange(domainId, iova, length);
        } else {
            flushWriteBuffer();
        }
    }

    /** iommu_flush_iotlb_psi: page-selective when the range fits CAP.MAMV, else domain-selective. */
    void flushIotlbRange(int domainId, long iova, long length) {
        if (length <= 0) {
            return;
        }
        long first = iova >>> 12;
        long last = (iova + length - 1) >>> 12;
        int am = 0;
        while ((first >>> am) != (last >>> am)) {
            am++;
        }
        if (!DmarRegs.capPsi(cap) || am > DmarRegs.capMamv(cap)) {
            qi.iotlbDomain(domainId);
        } else {
            qi.iotlbPages(domainId, (first >>> am) << (am + 12), am);
        }
    }

    /** The x86 MSI window is reserved for interrupts in every device's IOVA space (IOMMU_RESV_MSI). */
    @Override
    public List<ReservedRegion> reservedRegions(RequesterId rid) {
        return List.of(new ReservedRegion(MsiMessage.X86_WINDOW_BASE,
                MsiMessage.X86_WINDOW_BASE + MsiMessage.X86_WINDOW_SIZE - 1, ReservedRegion.Type.MSI));
    }

    /** struct iommu_hw_info_vtd with CAP_REG and ECAP_REG read from the unit now. */
    @Override
    public IommuHwInfo hwInfo() {
        return IommuHwInfo.intelVtd(0, regs.read64(DmarRegs.CAP), regs.read64(DmarRegs.ECAP), 0);
    }

    private void requireUp() {
        if (!up) {
            throw new IllegalStateException(unitId() + " has not been brought up");
        }
    }

}
