package dev.vplat.guest.drivers;

import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.Bdf;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.guest.drivers.VtdRegs.*;

/**
 * A guest driver for one guest-owned VT-d unit (legacy translation mode), written the way Linux's
 * drivers/iommu/intel/{dmar.c,iommu.c,irq_remapping.c} drive the hardware, over a guest session:
 *
 * <ul>
 *   <li>{@link #bringUp} in Linux's order (fact sheet iommu-hw.md §A.15): validate CAP/ECAP,
 *       mirror GSTS into the command shadow, clear old faults, (re)enable queued invalidation
 *       (IQT, IQA, GCMD.QIE), switch translation off if it was left on, root table and SRTP,
 *       global context-cache and IOTLB invalidation through the queue with a wait descriptor,
 *       fault-event MSI; {@link #enableTranslation} once the devices are attached;</li>
 *   <li>domains with legacy context entries and second-level tables in guest memory,
 *       {@link #map}/{@link #unmap} with the invalidation each change needs;</li>
 *   <li>invalidation at every granularity, through the queue once it is on, else through
 *       CCMD/IOTLB_REG;</li>
 *   <li>{@link #readFaults}, the fault interrupt handler ({@code dmar_fault});</li>
 *   <li>interrupt remapping: IRTA, SIRTP, IRTEs, GCMD.IRE and the remappable MSI address.</li>
 * </ul>
 *
 * Every wait on GSTS, ICC, IVT or a wait descriptor gives up after {@link #POLL_LIMIT} reads and
 * throws, where Linux would panic after DMAR_OPERATION_TIMEOUT.
 */
public final class VtdDriver {
    static final int POLL_LIMIT = 1000;
    /** Interrupt remapping table: 2^(IRTA_S+1) = 256 entries in one page (Linux uses 65536). */
    private static final int IRTA_S = 7, IRTE_COUNT = 1 << (IRTA_S + 1);
    private static final int QUEUE_ENTRIES = 256;

    private final VplatClient guest;
    private final long base;
    private final GuestPageAllocator pages;
    private long cap, ecap;
    private int gcmd;
    private long rootTable;
    private long queue, queueStatus;
    private int queueTail;
    private boolean queued;
    private long irTable;
    private int nextIrte;
    private int nextDid = 1;

    public VtdDriver(VplatClient guest, long base, GuestPageAllocator pages) {
        this.guest = guest;
        this.base = base;
        this.pages = pages;
        readCapabilities();
    }

    public long base() {
        return base;
    }

    public long cap() {
        return cap;
    }

    public long ecap() {
        return ecap;
    }

    public int gsts() {
        return guest.readl(base + GSTS);
    }

    public int fsts() {
        return guest.readl(base + FSTS);
    }

    /** Guest-physical address of the root table (0 before {@link #setRootTable}). */
    public long rootTable() {
        return rootTable;
    }

    /** Whether invalidations go through the queue (GSTS.QIES) or the registers. */
    public boolean queuedInvalidation() {
        return queued;
    }

    // ------------------------------------------------------------------ bring-up

    /**
     * Steps 1–10 of Linux's bring-up. Translation stays off: attach devices, then
     * {@link #enableTranslation}. {@code faultMsiAddress}/{@code faultMsiData} program the fault
     * event (FEADDR/FEDATA), which is unmasked last.
     */
    public void bringUp(long faultMsiAddress, int faultMsiData) {
        readCapabilities();
        gcmd = gsts() & GCMD_PERSISTENT;
        readFaults();
        if ((gcmd & GCMD_QIE) != 0) {
            disableQueuedInvalidation();
        }
        if (ecapQi(ecap)) {
            enableQueuedInvalidation();
        }
        if ((gcmd & GCMD_TE) != 0) {
            disableTranslation();
        }
        setRootTable();
        if (!capEsrtps(cap)) {
            invalidateContextGlobal();
            invalidateIotlbGlobal();
        }
        writeBufferFlush();
        setFaultInterrupt(faultMsiAddress, faultMsiData);
    }

    /**
     * Returns a unit some earlier driver left running to a quiet state without programming it:
     * shadow from GSTS, old faults cleared, queued invalidation, interrupt remapping and
     * translation switched off.
     */
    public void quiesce() {
        gcmd = gsts() & GCMD_PERSISTENT;
        readFaults();
        if ((gcmd & GCMD_QIE) != 0) {
            disableQueuedInvalidation();
        }
        if ((gcmd & GCMD_IRE) != 0) {
            disableInterruptRemapping();
        }
        if ((gcmd & GCMD_TE) != 0) {
            disableTranslation();
        }
    }

    private void readCapabilities() {
        cap = guest.readq(base + CAP);
        ecap = guest.readq(base + ECAP);
        if (cap == -1L && ecap == -1L) {
            throw new IllegalStateException("no VT-d unit at 0x" + Long.toHexString(base) + " (CAP and ECAP read all-ones)");
        }
    }

    /** IQT = 0, IQA = queue page (QS 0: 256 descriptors of 128 bits), GCMD.QIE, poll QIES. */
    public void enableQueuedInvalidation() {
        if (queue == 0) {
            queue = pages.allocPage();
            queueStatus = pages.allocPage();
        }
        queueTail = 0;
        guest.writel(base + IQT, 0);
        guest.writeq(base + IQA, queue);
        command(GCMD_QIE, true);
        queued = true;
    }

    /** Waits for the queue to drain (IQH == IQT), clears QIE and polls QIES = 0 (Linux dmar_disable_qi). */
    public void disableQueuedInvalidation() {
        poll("IQH to reach IQT", () -> guest.readq(base + IQH) == guest.readq(base + IQT));
        command(GCMD_QIE, false);
        queued = false;
    }

    /** A zeroed root table latched with RTADDR + GCMD.SRTP, polling GSTS.RTPS. */
    public void setRootTable() {
        if (rootTable == 0) {
            rootTable = pages.allocPage();
        }
        guest.writeq(base + RTADDR, rootTable);
        oneShot(GCMD_SRTP);
    }

    /** GCMD.WBF when CAP.RWBF asks for it; polls WBFS = 0. */
    public void writeBufferFlush() {
        if (capRwbf(cap)) {
            guest.writel(base + GCMD, gcmd | GCMD_WBF);
            pollStatus(GCMD_WBF, 0);
        }
    }

    /** FEDATA, FEADDR, FEUADDR, then FECTL = 0 (unmask), as dmar_set_interrupt / dmar_msi_write. */
    public void setFaultInterrupt(long address, int data) {
        guest.writel(base + FEDATA, data);
        guest.writel(base + FEADDR, (int) address);
        guest.writel(base + FEUADDR, (int) (address >>> 32));
        guest.writel(base + FECTL, 0);
    }

    public void enableTranslation() {
        command(GCMD_TE, true);
    }

    public void disableTranslation() {
        command(GCMD_TE, false);
    }

    // ------------------------------------------------------------------ domains and context entries

    /** A domain with a fresh second-level table of the deepest width SAGAW offers (48-bit, else 39-bit). */
    public VtdDomain createDomain() {
        int sagaw = capSagaw(cap);
        int levels = (sagaw & (1 << AW_48)) != 0 ? 4 : (sagaw & (1 << AW_39)) != 0 ? 3 : 0;
        if (levels == 0) {
            throw new IllegalStateException("unit offers neither 39- nor 48-bit second-level tables (SAGAW 0x"
                    + Integer.toHexString(sagaw) + ")");
        }
        return createDomain(levels);
    }

    /** DIDs start at 1: with caching mode, DID 0 tags cached not-present entries (Linux IDA_START_DID). */
    public VtdDomain createDomain(int levels) {
        return new VtdDomain(nextDid++, new SecondLevelTable(guest, pages, levels));
    }

    /**
     * Points {@code device}'s context entry at {@code domain} and invalidates what the change
     * needs (Linux domain_context_mapping_one): replacing a present entry flushes that device's
     * context cache and the old domain's IOTLB; a not-present → present change needs nothing
     * unless CAP.CM (then device-selective with DID 0 and a DSI), else only a write-buffer flush.
     */
    public void attach(VtdDomain domain, Bdf device) {
        long slot = contextSlot(device, true);
        long oldLow = guest.readq(slot);
        int oldDid = (int) (guest.readq(slot + 8) >>> 8) & 0xFFFF;
        writeContext(slot, domain);
        if ((oldLow & CONTEXT_PRESENT) != 0) {
            invalidateContextDevice(oldDid, device.rid());
            invalidateIotlbDomain(oldDid);
        } else if (capCachingMode(cap)) {
            invalidateContextDevice(0, device.rid());
            invalidateIotlbDomain(0);
        } else {
            writeBufferFlush();
        }
    }

    /**
     * Writes the context entry and nothing else — the kvm-unit-tests flow, which relies on misses
     * never being cached (CAP.CM = 0).
     */
    public void attachWithoutInvalidation(VtdDomain domain, Bdf device) {
        writeContext(contextSlot(device, true), domain);
    }

    /** Clears the context entry and flushes the device's context cache and the domain's IOTLB. */
    public void detach(Bdf device) {
        long slot = contextSlot(device, false);
        if (slot == 0 || (guest.readq(slot) & CONTEXT_PRESENT) == 0) {
            return;
        }
        int did = (int) (guest.readq(slot + 8) >>> 8) & 0xFFFF;
        guest.writeq(slot, 0);
        guest.writeq(slot + 8, 0);
        invalidateContextDevice(did, device.rid());
        invalidateIotlbDomain(did);
    }

    private void writeContext(long slot, VtdDomain domain) {
        // high half first: the entry becomes present only with the low half (Linux context_set_*).
        guest.writeq(slot + 8, contextHigh(domain.contextAw(), domain.did()));
        guest.writeq(slot, contextLow(domain.table().root(), false));
    }

    /** The context entry slot of {@code device}, allocating its bus's context table if asked. */
    private long contextSlot(Bdf device, boolean create) {
        if (rootTable == 0) {
            throw new IllegalStateException("set the root table before attaching devices");
        }
        long rootSlot = rootTable + 16L * device.bus();
        long root = guest.readq(rootSlot);
        if ((root & ROOT_PRESENT) == 0) {
            if (!create) {
                return 0;
            }
            root = pages.allocPage() | ROOT_PRESENT;
            guest.writeq(rootSlot, root);
        }
        return (root & ~0xFFFL) + 16L * device.devfn();
    }

    // ------------------------------------------------------------------ mappings

    /**
     * Maps into {@code domain}. New leaves replace not-present entries, which the hardware never
     * caches, so like Linux (__mapping_notify_one) only caching mode needs a page-selective
     * invalidation; otherwise a write-buffer flush when CAP.RWBF.
     */
    public void map(VtdDomain domain, long iova, long gpa, long size, boolean read, boolean write) {
        domain.table().map(iova, gpa, size, read, write);
        if (capCachingMode(cap)) {
            invalidateIotlbRange(domain.did(), iova, size);
        } else {
            writeBufferFlush();
        }
    }

    /** Clears the leaves and invalidates them: page-selective with the smallest AM covering the range, or DSI. */
    public void unmap(VtdDomain domain, long iova, long size) {
        domain.table().unmap(iova, size);
        invalidateIotlbRange(domain.did(), iova, size);
    }

    /**
     * Linux iommu_flush_iotlb_psi: the aligned power-of-two block covering the range; a
     * domain-selective flush when the unit lacks PSI or the mask exceeds CAP.MAMV.
     */
    public void invalidateIotlbRange(int did, long iova, long size) {
        long first = iova >>> 12, last = (iova + size - 1) >>> 12;
        int am = 0;
        while ((first >>> am) != (last >>> am)) {
            am++;
        }
        if (!capPsi(cap) || am > capMamv(cap)) {
            invalidateIotlbDomain(did);
        } else {
            invalidateIotlbPages(did, (first >>> am) << (am + 12), am);
        }
    }

    // ------------------------------------------------------------------ invalidation

    public void invalidateContextGlobal() {
        if (queued) {
            submit(qiContextCache(QI_GRAN_GLOBAL, 0, 0, 0));
        } else {
            registerContextInvalidation(CCMD_GLOBAL);
        }
    }

    public void invalidateContextDomain(int did) {
        if (queued) {
            submit(qiContextCache(QI_GRAN_DOMAIN, did, 0, 0));
        } else {
            registerContextInvalidation(CCMD_DOMAIN | did);
        }
    }

    public void invalidateContextDevice(int did, int sourceId) {
        if (queued) {
            submit(qiContextCache(QI_GRAN_DEVICE_OR_PAGE, did, sourceId, 0));
        } else {
            registerContextInvalidation(CCMD_DEVICE | (long) sourceId << 16 | did);
        }
    }

    public void invalidateIotlbGlobal() {
        if (queued) {
            submit(qiIotlb(QI_GRAN_GLOBAL, 0, 0, 0, false));
        } else {
            registerIotlbInvalidation(IOTLB_GLOBAL, 0);
        }
    }

    public void invalidateIotlbDomain(int did) {
        if (queued) {
            submit(qiIotlb(QI_GRAN_DOMAIN, did, 0, 0, false));
        } else {
            registerIotlbInvalidation(IOTLB_DSI | (long) did << 32, 0);
        }
    }

    /** Page-selective: {@code 2^am} pages from {@code addr}, which must be aligned to that size. */
    public void invalidateIotlbPages(int did, long addr, int am) {
        if ((addr & ((GuestPageAllocator.PAGE_SIZE << am) - 1)) != 0) {
            throw new IllegalArgumentException("PSI address must be aligned to 2^AM pages");
        }
        if (queued) {
            submit(qiIotlb(QI_GRAN_DEVICE_OR_PAGE, did, addr, am, false));
        } else {
            registerIotlbInvalidation(IOTLB_PSI | (long) did << 32, addr | am);
        }
    }

    /** Interrupt entry cache: global, or {@code 2^im} entries from {@code index} (queue only). */
    public void invalidateInterruptEntries(boolean global, int index, int im) {
        submit(qiInterruptEntryCache(global, index, im));
    }

    /**
     * Queues {@code descriptors} followed by a wait descriptor writing QI_DONE to a status dword,
     * moves IQT past them and polls the status, checking FSTS.IQE between polls (Linux
     * qi_submit_sync).
     */
    public void submit(long[]... descriptors) {
        if (!queued) {
            throw new IllegalStateException("queued invalidation is not enabled");
        }
        if (descriptors.length + 1 >= QUEUE_ENTRIES) {
            throw new IllegalArgumentException("at most " + (QUEUE_ENTRIES - 2) + " descriptors per submission");
        }
        guest.writel(queueStatus, 0);
        for (long[] d : descriptors) {
            put(d);
        }
        put(qiWait(queueStatus, QI_DONE));
        guest.writel(base + IQT, queueTail << 4);
        poll("the invalidation wait descriptor", () -> {
            if ((fsts() & FSTS_IQE) != 0) {
                throw new IllegalStateException("invalidation queue error, IQERCD=0x"
                        + Long.toHexString(guest.readq(base + IQERCD)) + " IQH=0x"
                        + Long.toHexString(guest.readq(base + IQH)));
            }
            return guest.readl(queueStatus) == QI_DONE;
        });
    }

    private void put(long[] descriptor) {
        long slot = queue + 16L * queueTail;
        guest.writeq(slot, descriptor[0]);
        guest.writeq(slot + 8, descriptor[1]);
        queueTail = (queueTail + 1) % QUEUE_ENTRIES;
    }

    private void registerContextInvalidation(long command) {
        guest.writeq(base + CCMD, CCMD_ICC | command);
        poll("CCMD.ICC to clear", () -> (guest.readq(base + CCMD) & CCMD_ICC) == 0);
    }

    private void registerIotlbInvalidation(long command, long iva) {
        int iotlb = ecapIotlbOffset(ecap);
        if ((command & IOTLB_PSI) == IOTLB_PSI) {
            guest.writeq(base + iotlb, iva);
        }
        guest.writeq(base + iotlb + 8, IOTLB_IVT | command);
        poll("IOTLB.IVT to clear", () -> (guest.readq(base + iotlb + 8) & IOTLB_IVT) == 0);
    }

    // ------------------------------------------------------------------ faults

    /**
     * The fault interrupt handler (Linux dmar_fault): from FSTS.FRI, read each record with F set,
     * clear it by writing F back to its upper dword, wrap at CAP.NFR; then clear FSTS.PFO/PPF.
     * Returns the records in the order read.
     */
    public List<VtdFault> readFaults() {
        List<VtdFault> out = new ArrayList<>();
        int status = fsts();
        if ((status & FSTS_PPF) != 0) {
            int records = capFaultRecords(cap);
            int index = (status >>> 8) & 0xFF;
            for (int n = 0; n < records; n++) {
                long record = base + capFaultRecordOffset(cap) + 16L * index;
                long high = guest.readq(record + 8);
                if ((high & FRCD_F) == 0) {
                    break;
                }
                long low = guest.readq(record);
                out.add(new VtdFault(frcdSourceId(high), frcdReason(high), low & ~0xFFFL, (high & FRCD_T_READ) == 0));
                guest.writel(record + 12, (int) (FRCD_F >>> 32));
                index = (index + 1) % records;
            }
        }
        guest.writel(base + FSTS, FSTS_PFO | FSTS_PPF);
        return out;
    }

    // ------------------------------------------------------------------ interrupt remapping

    /**
     * IRTA = table | S, GCMD.SIRTP (poll IRTPS), a global interrupt-entry-cache invalidation
     * unless CAP.ESIRTPS, then GCMD.IRE (poll IRES) with compatibility format left off
     * (Linux intel_setup_irq_remapping / iommu_set_irq_remapping / enable).
     */
    public void enableInterruptRemapping() {
        if (!ecapIr(ecap)) {
            throw new IllegalStateException("unit does not offer interrupt remapping (ECAP.IR = 0)");
        }
        if (irTable == 0) {
            irTable = pages.alloc(16L * IRTE_COUNT, GuestPageAllocator.PAGE_SIZE);
        }
        guest.writeq(base + IRTA, irTable | IRTA_S);
        oneShot(GCMD_SIRTP);
        if (!capEsirtps(cap)) {
            invalidateInterruptEntries(true, 0, 0);
        }
        command(GCMD_IRE, true);
    }

    public void disableInterruptRemapping() {
        command(GCMD_IRE, false);
    }

    /**
     * Allocates an IRTE delivering {@code vector} to APIC {@code destination} for MSIs from
     * {@code sourceId} only (SVT = 01); its handle.
     */
    public int allocateIrte(int vector, int destination, int sourceId) {
        if (nextIrte >= IRTE_COUNT) {
            throw new IllegalStateException("interrupt remapping table full");
        }
        int handle = nextIrte++;
        writeIrte(handle, irteLow(vector, destination), irteHigh(sourceId));
        return handle;
    }

    /** Rewrites IRTE {@code handle} and invalidates just that entry (modify_irte + qi_flush_iec). */
    public void writeIrte(int handle, long low, long high) {
        writeIrteWithoutInvalidation(handle, low, high);
        invalidateInterruptEntries(false, handle, 0);
    }

    /** Rewrites an IRTE and leaves the interrupt entry cache alone (what a buggy driver does). */
    public void writeIrteWithoutInvalidation(int handle, long low, long high) {
        long slot = irTable + 16L * handle;
        guest.writeq(slot + 8, high);
        guest.writeq(slot, low);
    }

    // ------------------------------------------------------------------ GCMD/GSTS protocol

    /** Sets or clears a persistent command bit through the shadow and waits for GSTS to follow. */
    private void command(int bit, boolean on) {
        gcmd = on ? gcmd | bit : gcmd & ~bit;
        guest.writel(base + GCMD, gcmd);
        pollStatus(bit, on ? bit : 0);
    }

    /** A one-shot command (SRTP, SIRTP) on top of the shadow; waits for its status bit to be set. */
    private void oneShot(int bit) {
        guest.writel(base + GCMD, gcmd | bit);
        pollStatus(bit, bit);
    }

    private void pollStatus(int mask, int expected) {
        poll("GSTS & 0x" + Integer.toHexString(mask) + " == 0x" + Integer.toHexString(expected),
                () -> (gsts() & mask) == expected);
    }

    private static void poll(String what, java.util.function.BooleanSupplier done) {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if (done.getAsBoolean()) {
                return;
            }
        }
        throw new IllegalStateException("VT-d: timed out waiting for " + what);
    }
}
