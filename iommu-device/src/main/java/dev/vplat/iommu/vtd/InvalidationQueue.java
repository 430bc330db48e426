package dev.vplat.iommu.vtd;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.memory.MemoryAccessException;
import dev.vplat.platform.regs.Register;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Locale;

/**
 * Queued invalidation (VT-d spec §6.5.2, §11.4.8): a ring of 128- or 256-bit descriptors
 * (IQA.DW) in guest RAM, consumed synchronously from IQH to IQT whenever software moves the
 * tail. A bad descriptor sets FSTS.IQE with IQERCD.IQEI and leaves IQH on it; nothing more is
 * fetched until software clears IQE, then fetching resumes at IQH (Linux rewrites the slot
 * before clearing, drivers/iommu/intel/dmar.c qi_check_fault). A device-TLB time-out (ITE) or
 * bad completion (ICE) stops the queue after that descriptor in the same way. At most one lap
 * of the ring is processed per call, so a queue of garbage ends in bounded time.
 */
final class InvalidationQueue {
    static final int IQEI_INVALID_TAIL = 1;
    static final int IQEI_FETCH_ERROR = 2;
    static final int IQEI_INVALID_TYPE = 3;
    static final int IQEI_RESERVED = 4;
    static final int IQEI_INVALID_WIDTH = 5;
    static final int IQEI_TAIL_MISALIGNED = 6;

    private final String owner;
    private final VtdConfig config;
    private final GuestMemory memory;
    private final Register iqh;
    private final Register iqt;
    private final Register fsts;
    private final Register iqercd;
    private final Register ics;
    private final EventInterrupt completion;
    private final FaultRecorder faults;
    private final DmaRemapping dma;
    private final InterruptRemapping ir;
    private final Trace trace;
    private DeviceTlbInvalidation deviceTlb = DeviceTlbInvalidation.NONE;

    private long base;
    private int entries;
    private boolean wide;
    private boolean lastWasWait;
    private final long[] desc = new long[4];
    private long processed;

    InvalidationQueue(String owner, VtdConfig config, GuestMemory memory, Register iqh, Register iqt, Register fsts,
                      Register iqercd, Register ics, EventInterrupt completion, FaultRecorder faults,
                      DmaRemapping dma, InterruptRemapping ir, Trace trace) {
        this.owner = owner;
        this.config = config;
        this.memory = memory;
        this.iqh = iqh;
        this.iqt = iqt;
        this.fsts = fsts;
        this.iqercd = iqercd;
        this.ics = ics;
        this.completion = completion;
        this.faults = faults;
        this.dma = dma;
        this.ir = ir;
        this.trace = trace;
    }

    void deviceTlb(DeviceTlbInvalidation sink) {
        this.deviceTlb = sink == null ? DeviceTlbInvalidation.NONE : sink;
    }

    /** GCMD.QIE 0→1: latch IQA (base, QS, DW honoured only with ECAP.SMTS) and start at IQH = 0. */
    void enable(long iqa) {
        base = iqa & config.hawMask() & ~0xFFFL;
        wide = config.scalableMode() && (iqa & VtdRegs.IQA_DW) != 0;
        int qs = (int) (iqa & 7);
        entries = 1 << (qs + (wide ? 7 : 8));
        iqh.set(0);
        lastWasWait = true;
        process();
    }

    /** GCMD.QIE 1→0 is honoured only when the queue is idle (head == tail), as QEMU requires. */
    boolean disable() {
        if (iqh.value() != (iqt.value() & 0x7FFF0L)) {
            trace.log(TraceCategory.IOMMU, owner, "QIE cleared with descriptors pending: ignored");
            return false;
        }
        iqh.set(0);
        return true;
    }

    boolean lastWasWait() {
        return lastWasWait;
    }

    private int shift() {
        return wide ? 5 : 4;
    }

    /** Consumes descriptors from IQH to IQT unless a queue error is pending. */
    void process() {
        if ((fsts.value() & (VtdRegs.FSTS_IQE | VtdRegs.FSTS_ITE | VtdRegs.FSTS_ICE)) != 0) {
            return;
        }
        long tailReg = iqt.value();
        if (wide && (tailReg & 0x10) != 0) {
            error(IQEI_TAIL_MISALIGNED, "IQT bit 4 set with 256-bit descriptors");
            return;
        }
        int tail = (int) ((tailReg & 0x7FFF0L) >>> shift());
        if (tail >= entries) {
            error(IQEI_INVALID_TAIL, "IQT beyond the queue");
            return;
        }
        int head = (int) (iqh.value() >>> shift());
        for (int budget = entries; head != tail && budget > 0; budget--) {
            long addr = base + ((long) head << shift());
            try {
                for (int i = 0; i < (wide ? 4 : 2); i++) {
                    desc[i] = memory.readRam(addr + 8L * i, 8);
                }
            } catch (MemoryAccessException e) {
                error(IQEI_FETCH_ERROR, String.format(Locale.ROOT, "descriptor fetch at 0x%x failed", addr));
                return;
            }
            if (!wide) {
                desc[2] = 0;
                desc[3] = 0;
            }
            int iqei = execute();
            if (iqei > 0) {
                error(iqei, String.format(Locale.ROOT, "bad descriptor 0x%016x_%016x at index %d", desc[1], desc[0], head));
                return;
            }
            processed++;
            head = (head + 1) % entries;
            iqh.set((long) head << shift());
            if (iqei < 0) {
                return;
            }
        }
    }

    private void error(int iqei, String why) {
        iqercd.set(iqercd.value() & ~0xFL | iqei);
        trace.log(TraceCategory.IOMMU, owner, "invalidation queue error IQEI=" + iqei + ": " + why);
        faults.raiseStatus(VtdRegs.FSTS_IQE);
    }

    /** Runs the descriptor in {@link #desc}: 0 done, &gt;0 an IQEI code, &lt;0 done but the queue must stop (ITE/ICE). */
    private int execute() {
        long lo = desc[0];
        long hi = desc[1];
        int type = (int) (lo & 0xF) | (int) ((lo >>> 9) & 7) << 4;
        boolean upperZero = desc[2] == 0 && desc[3] == 0;
        lastWasWait = type == 5;
        switch (type) {
            case 1:
                return upperZero ? contextCache(lo, hi) : IQEI_RESERVED;
            case 2:
                return upperZero ? iotlb(lo, hi) : IQEI_RESERVED;
            case 3:
                return upperZero ? deviceIotlb(lo, hi) : IQEI_RESERVED;
            case 4:
                return upperZero ? interruptEntryCache(lo, hi) : IQEI_RESERVED;
            case 5:
                return upperZero ? await(lo, hi) : IQEI_RESERVED;
            case 6:
                return pasidIotlb(lo, hi);
            case 7:
                return pasidCache(lo, hi);
            case 8:
                return pasidDeviceIotlb(lo, hi);
            default:
                return IQEI_INVALID_TYPE;
        }
    }

    /** Context-cache invalidate descriptor (§6.5.2.1): G 01 global, 10 domain (done as global), 11 device. */
    private int contextCache(long lo, long hi) {
        if ((lo & 0xFFFC_0000_0000_F1C0L) != 0 || hi != 0) {
            return IQEI_RESERVED;
        }
        int g = (int) (lo >>> 4) & 3;
        switch (g) {
            case 1: case 2:
                dma.invalidateContextGlobal();
                return 0;
            case 3:
                dma.invalidateContextDevice((int) (lo >>> 32) & 0xFFFF, (int) (lo >>> 48) & 3);
                return 0;
            default:
                return IQEI_RESERVED;
        }
    }

    /** IOTLB invalidate descriptor (§6.5.2.3): G 01 global, 10 domain, 11 page with AM ≤ MAMV. */
    private int iotlb(long lo, long hi) {
        if ((lo & 0xFFFF_FFFF_0000_F100L) != 0 || (hi & 0xF80L) != 0) {
            return IQEI_RESERVED;
        }
        int did = (int) (lo >>> 16) & 0xFFFF;
        switch ((int) (lo >>> 4) & 3) {
            case 1:
                dma.invalidateIotlbGlobal();
                return 0;
            case 2:
                dma.invalidateIotlbDomain(did);
                return 0;
            case 3: {
                int am = (int) (hi & 0x3F);
                if (am > VtdConfig.MAMV) {
                    return IQEI_RESERVED;
                }
                dma.invalidateIotlbPages(did, hi & ~0xFFFL, am);
                return 0;
            }
            default:
                return IQEI_RESERVED;
        }
    }

    /** Device-TLB invalidate descriptor (§6.5.2.4); needs ECAP.DT. */
    private int deviceIotlb(long lo, long hi) {
        if (!config.deviceIotlb()) {
            return IQEI_INVALID_TYPE;
        }
        if ((lo & 0x000F_0000_FFE0_01F0L) != 0 || (hi & 0xFFEL) != 0) {
            return IQEI_RESERVED;
        }
        int sid = (int) (lo >>> 32) & 0xFFFF;
        return deviceTlbResult(sid, deviceTlb.invalidate(sid, -1, hi & ~0xFFFL, atsSize(hi, (hi & 1) != 0)));
    }

    /** PASID-based device-TLB invalidate descriptor (§6.5.2.7); needs scalable mode and ECAP.DT. */
    private int pasidDeviceIotlb(long lo, long hi) {
        if (!config.deviceIotlb() || !config.scalableMode()) {
            return IQEI_INVALID_TYPE;
        }
        if (!wide) {
            return IQEI_INVALID_WIDTH;
        }
        if ((hi & 0x7FEL) != 0 || desc[2] != 0 || desc[3] != 0) {
            return IQEI_RESERVED;
        }
        int sid = (int) (lo >>> 16) & 0xFFFF;
        int pasid = (int) (lo >>> 32) & 0xFFFFF;
        return deviceTlbResult(sid, deviceTlb.invalidate(sid, pasid, hi & ~0xFFFL, atsSize(hi, (hi >>> 11 & 1) != 0)));
    }

    /** ATS size encoding: with S=1 the lowest zero address bit above bit 11 gives the range (PCIe ATS §3.1). */
    private static long atsSize(long hi, boolean s) {
        if (!s) {
            return 4096;
        }
        long ones = Long.numberOfTrailingZeros(~(hi >>> 12));
        return ones >= 52 ? Long.MIN_VALUE : 4096L << (ones + 1);
    }

    private int deviceTlbResult(int sid, DeviceTlbInvalidation.Result result) {
        switch (result) {
            case TIMEOUT:
                iqercd.set(iqercd.value() & ~(0xFFFFL << 32) | (long) sid << 32);
                trace.log(TraceCategory.IOMMU, owner, String.format(Locale.ROOT, "device-TLB invalidation of %04x timed out (ITE)", sid));
                faults.raiseStatus(VtdRegs.FSTS_ITE);
                return -1;
            case INVALID_COMPLETION:
                iqercd.set(iqercd.value() & ~(0xFFFFL << 48) | (long) sid << 48);
                trace.log(TraceCategory.IOMMU, owner, String.format(Locale.ROOT, "device-TLB invalidation of %04x: bad completion (ICE)", sid));
                faults.raiseStatus(VtdRegs.FSTS_ICE);
                return -1;
            default:
                return 0;
        }
    }

    /** Interrupt-entry-cache invalidate descriptor (§6.5.2.6): G 0 global, 1 index-selective with IM. */
    private int interruptEntryCache(long lo, long hi) {
        if (!config.intremap()) {
            return IQEI_INVALID_TYPE;
        }
        if ((lo & 0xFFFF_0000_07FF_F1E0L) != 0 || hi != 0) {
            return IQEI_RESERVED;
        }
        if ((lo & 0x10) == 0) {
            ir.invalidateAll();
        } else {
            ir.invalidateIndex((int) (lo >>> 32) & 0xFFFF, (int) (lo >>> 27) & 0x1F);
        }
        return 0;
    }

    /**
     * Invalidation wait descriptor (§6.5.2.8): SW writes the 32-bit status data to the status
     * address first, then IF sets ICS.IWC and raises the completion event. SW and IF together,
     * and FN alone, are legal.
     */
    private int await(long lo, long hi) {
        if ((lo & 0xFFFF_F180L) != 0 || (hi & 3) != 0) {
            return IQEI_RESERVED;
        }
        if ((lo & 0x20) != 0) {
            try {
                memory.writeRam(hi & ~3L, 4, lo >>> 32);
            } catch (MemoryAccessException e) {
                return IQEI_FETCH_ERROR;
            }
        }
        if ((lo & 0x10) != 0 && (ics.value() & 1) == 0) {
            ics.set(1);
            completion.raise();
        }
        return 0;
    }

    /** PASID-based IOTLB invalidate descriptor (§6.5.2.4 in 3.x numbering): G 10 all in PASID, 11 page. */
    private int pasidIotlb(long lo, long hi) {
        if (!config.scalableMode()) {
            return IQEI_INVALID_TYPE;
        }
        if (!wide) {
            return IQEI_INVALID_WIDTH;
        }
        if ((lo & 0xFFF0_0000_0000_F1C0L) != 0 || (hi & 0xF80L) != 0 || desc[2] != 0 || desc[3] != 0) {
            return IQEI_RESERVED;
        }
        int did = (int) (lo >>> 16) & 0xFFFF;
        int pasid = (int) (lo >>> 32) & 0xFFFFF;
        switch ((int) (lo >>> 4) & 3) {
            case 2:
                dma.invalidatePasidIotlb(did, pasid, 0, -1);
                return 0;
            case 3: {
                int am = (int) (hi & 0x3F);
                if (am > VtdConfig.MAMV) {
                    return IQEI_RESERVED;
                }
                dma.invalidatePasidIotlb(did, pasid, hi & ~0xFFFL, am);
                return 0;
            }
            default:
                return IQEI_RESERVED;
        }
    }

    /** PASID-cache invalidate descriptor: G 00 domain, 01 PASID within domain, 11 global (Linux QI_PC_*). */
    private int pasidCache(long lo, long hi) {
        if (!config.scalableMode()) {
            return IQEI_INVALID_TYPE;
        }
        if ((lo & 0xFFF0_0000_0000_F1C0L) != 0 || hi != 0 || desc[2] != 0 || desc[3] != 0) {
            return IQEI_RESERVED;
        }
        int did = (int) (lo >>> 16) & 0xFFFF;
        switch ((int) (lo >>> 4) & 3) {
            case 0:
                dma.invalidatePasidCache(did, -1);
                return 0;
            case 1:
                dma.invalidatePasidCache(did, (int) (lo >>> 32) & 0xFFFFF);
                return 0;
            case 3:
                dma.invalidatePasidCacheGlobal();
                return 0;
            default:
                return IQEI_RESERVED;
        }
    }

    long processed() {
        return processed;
    }

    void reset() {
        base = 0;
        entries = 256;
        wide = false;
        lastWasWait = true;
    }
}
