package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.HostPageAllocator;

/**
 * The host side of VT-d queued invalidation (spec §6.5.2; Linux dmar.c __dmar_enable_qi and
 * qi_submit_sync): a 4 KiB ring of 256 legacy 128-bit descriptors in host pages. Each submission
 * writes its descriptors followed by an invalidation-wait descriptor that makes the hardware write
 * QI_DONE to a status dword, moves IQT, and checks that dword.
 */
final class InvalidationQueue {
    static final int ENTRIES = 256;
    private static final int DESC_SIZE = 16;
    /** Status values Linux writes and expects (QI_IN_USE, QI_DONE). */
    private static final int QI_IN_USE = 1;
    private static final int QI_DONE = 2;

    // Descriptor types and fields (§6.5.2, fact sheet A.21).
    private static final long TYPE_CC = 0x1;
    private static final long TYPE_IOTLB = 0x2;
    private static final long TYPE_WAIT = 0x5;
    private static final long GRAN_GLOBAL = 1;
    private static final long GRAN_DOMAIN = 2;
    private static final long GRAN_DEVICE_OR_PAGE = 3;
    private static final long WAIT_SW = 1L << 5;
    private static final long WAIT_FN = 1L << 6;
    private static final long IOTLB_DW = 1L << 6;
    private static final long IOTLB_DR = 1L << 7;

    private final DmarMmio regs;
    private final GuestMemory ram;
    private final long queue;
    private final long status;
    private final long drainBits;
    private int tail;

    InvalidationQueue(DmarMmio regs, GuestMemory ram, HostPageAllocator pages, long cap) {
        this.regs = regs;
        this.ram = ram;
        this.queue = HostTables.zeroedPage(ram, pages);
        this.status = HostTables.zeroedPage(ram, pages);
        this.drainBits = (DmarRegs.capReadDrain(cap) ? IOTLB_DR : 0) | (DmarRegs.capWriteDrain(cap) ? IOTLB_DW : 0);
    }

    /** __dmar_enable_qi: IQT ← 0, IQA ← ring (QS=0, 128-bit), GCMD.QIE, wait for GSTS.QIES. */
    void enable(int gcmdShadow) {
        tail = 0;
        regs.write32(DmarRegs.IQT, 0);
        regs.write64(DmarRegs.IQA, queue);
        regs.write32(DmarRegs.GCMD, gcmdShadow | DmarRegs.GCMD_QIE);
        regs.waitFor(DmarRegs.GSTS, DmarRegs.GCMD_QIE, DmarRegs.GCMD_QIE, "QI enable");
    }

    /** Context-cache invalidation, global. */
    void contextGlobal() {
        submit(TYPE_CC | GRAN_GLOBAL << 4, 0);
    }

    void iotlbGlobal() {
        submit(iotlb(GRAN_GLOBAL, 0), 0);
    }

    void iotlbDomain(int domainId) {
        submit(iotlb(GRAN_DOMAIN, domainId), 0);
    }

    /** Page-selective IOTLB invalidation of 2^am pages at {@code addr} (aligned to that size). */
    void iotlbPages(int domainId, long addr, int am) {
        submit(iotlb(GRAN_DEVICE_OR_PAGE, domainId), addr | am);
    }

    /** Context-cache invalidation of one device followed by an IOTLB flush of its domain, one batch. */
    void contextDeviceAndIotlbDomain(int ccDomainId, int sourceId, int domainId) {
        ram.writeRam(status, 4, QI_IN_USE);
        put(TYPE_CC | GRAN_DEVICE_OR_PAGE << 4 | (long) ccDomainId << 16 | (long) sourceId << 32, 0);
        put(iotlb(GRAN_DOMAIN, domainId), 0);
        finish();
    }

    private long iotlb(long granularity, int domainId) {
        return TYPE_IOTLB | granularity << 4 | drainBits | (long) domainId << 16;
    }

    /** qi_submit_sync of one descriptor (two quadwords); see {@link #finish()}. */
    private void submit(long qw0, long qw1) {
        ram.writeRam(status, 4, QI_IN_USE);
        put(qw0, qw1);
        finish();
    }

    /**
     * The tail of qi_submit_sync: a wait descriptor with status write, then IQT, then the status
     * check. The emulated unit processes the queue while the IQT write is dispatched, so when it
     * returns the status dword is already written: one read decides, where Linux spins on it.
     * Invalidation errors (FSTS.IQE/ITE/ICE) fail the call.
     */
    private void finish() {
        put(TYPE_WAIT | WAIT_SW | WAIT_FN | (long) QI_DONE << 32, status);
        regs.write32(DmarRegs.IQT, tail * DESC_SIZE);
        if (ram.readRam(status, 4) == QI_DONE) {
            return;
        }
        int fsts = regs.read32(DmarRegs.FSTS);
        if ((fsts & (DmarRegs.FSTS_IQE | DmarRegs.FSTS_ITE | DmarRegs.FSTS_ICE)) != 0) {
            regs.write32(DmarRegs.FSTS, fsts & (DmarRegs.FSTS_IQE | DmarRegs.FSTS_ITE | DmarRegs.FSTS_ICE));
            throw new IllegalStateException("invalidation queue error, FSTS=0x" + Integer.toHexString(fsts));
        }
        throw new IllegalStateException("invalidation wait descriptor never completed");
    }

    private void put(long qw0, long qw1) {
        long slot = queue + (long) tail * DESC_SIZE;
        ram.writeRam(slot, 8, qw0);
        ram.writeRam(slot + 8, 8, qw1);
        tail = (tail + 1) % ENTRIES;
    }
}
