package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Locale;
import java.util.function.Predicate;

/**
 * Performs one 16-byte command (IHI 0070 §4.1–4.7; opcode table §4.1.1) and returns the
 * CMDQ_CONS.ERR code, {@link CommandError#CERROR_NONE} on success. Reserved opcodes, SSec = 1 on
 * the Non-secure queue, commands for a feature the unit does not implement (stage 1 or 2, EL2,
 * PRI, ATS, stalls) and reserved parameter combinations are CERROR_ILL.
 */
final class CommandExecutor {
    static final int PREFETCH_CONFIG = 0x01, PREFETCH_ADDR = 0x02, CFGI_STE = 0x03, CFGI_STE_RANGE = 0x04;
    static final int CFGI_CD = 0x05, CFGI_CD_ALL = 0x06, TLBI_NH_ALL = 0x10, TLBI_NH_ASID = 0x11;
    static final int TLBI_NH_VA = 0x12, TLBI_NH_VAA = 0x13, TLBI_EL2_ALL = 0x20, TLBI_EL2_ASID = 0x21;
    static final int TLBI_EL2_VA = 0x22, TLBI_EL2_VAA = 0x23, TLBI_S12_VMALL = 0x28, TLBI_S2_IPA = 0x2A;
    static final int TLBI_NSNH_ALL = 0x30, ATC_INV = 0x40, PRI_RESP = 0x41, RESUME = 0x44, STALL_TERM = 0x45;
    static final int SYNC = 0x46;

    private static final int EL1 = StreamTableEntry.StreamWorld.NS_EL1.ordinal();
    private static final int EL2 = StreamTableEntry.StreamWorld.NS_EL2.ordinal();

    private final SmmuV3Config config;
    private final ConfigCache configCache;
    private final Iotlb tlb;
    private final SmmuInterrupts interrupts;
    private final Trace trace;
    private final String name;
    private PageResponseListener pageResponses = (sid, ssv, ssid, prg, resp) -> { };

    CommandExecutor(String name, SmmuV3Config config, ConfigCache configCache, Iotlb tlb, SmmuInterrupts interrupts,
                    Trace trace) {
        this.name = name;
        this.config = config;
        this.configCache = configCache;
        this.tlb = tlb;
        this.interrupts = interrupts;
        this.trace = trace;
    }

    void pageResponseListener(PageResponseListener listener) {
        this.pageResponses = listener;
    }

    int execute(long w0, long w1) {
        int op = (int) (w0 & 0xFF);
        long sid = w0 >>> 32;
        int ssid = (int) (w0 >>> 12) & 0xF_FFFF;
        boolean ssec = (w0 >>> 10 & 1) != 0;
        boolean s1 = config.stages().stage1();
        boolean s2 = config.stages().stage2();
        int vmid = s2 ? (int) (w0 >>> 32) & 0xFFFF : 0;
        int asid = (int) (w0 >>> 48) & 0xFFFF;
        if (trace.on(TraceCategory.IOMMU)) {
            trace.line(TraceCategory.IOMMU, name, String.format(Locale.ROOT, "command 0x%02x %016x %016x", op, w0, w1));
        }
        switch (op) {
            case PREFETCH_CONFIG, PREFETCH_ADDR:
                return ssec ? CommandError.CERROR_ILL : CommandError.CERROR_NONE;
            case CFGI_STE:
                if (ssec) {
                    return CommandError.CERROR_ILL;
                }
                configCache.invalidateStes(sid, 1);
                return CommandError.CERROR_NONE;
            case CFGI_STE_RANGE: {
                if (ssec) {
                    return CommandError.CERROR_ILL;
                }
                long count = 1L << ((w1 & 0x1F) + 1);
                configCache.invalidateStes(sid & -count, count);
                return CommandError.CERROR_NONE;
            }
            case CFGI_CD:
                if (ssec || !s1) {
                    return CommandError.CERROR_ILL;
                }
                configCache.invalidateCd(sid, ssid);
                return CommandError.CERROR_NONE;
            case CFGI_CD_ALL:
                if (ssec || !s1) {
                    return CommandError.CERROR_ILL;
                }
                configCache.invalidateCds(sid);
                return CommandError.CERROR_NONE;
            case TLBI_NH_ALL:
                return !s1 ? CommandError.CERROR_ILL : invalidate(e -> stage1(e, EL1) && e.vmid() == vmid);
            case TLBI_NH_ASID:
                return !s1 ? CommandError.CERROR_ILL
                        : invalidate(e -> stage1(e, EL1) && e.vmid() == vmid && e.asid() == asid && !e.global());
            case TLBI_NH_VA:
                return !s1 ? CommandError.CERROR_ILL : invalidateRange(w0, w1, false,
                        e -> stage1(e, EL1) && e.vmid() == vmid && (e.asid() == asid || e.global()));
            case TLBI_NH_VAA:
                return !s1 ? CommandError.CERROR_ILL
                        : invalidateRange(w0, w1, false, e -> stage1(e, EL1) && e.vmid() == vmid);
            case TLBI_EL2_ALL:
                return !s2 ? CommandError.CERROR_ILL : invalidate(e -> stage1(e, EL2));
            case TLBI_EL2_ASID:
                return !s2 ? CommandError.CERROR_ILL : invalidate(e -> stage1(e, EL2) && e.asid() == asid && !e.global());
            case TLBI_EL2_VA:
                return !s2 ? CommandError.CERROR_ILL
                        : invalidateRange(w0, w1, false, e -> stage1(e, EL2) && (e.asid() == asid || e.global()));
            case TLBI_EL2_VAA:
                return !s2 ? CommandError.CERROR_ILL : invalidateRange(w0, w1, false, e -> stage1(e, EL2));
            case TLBI_S12_VMALL:
                return !s2 ? CommandError.CERROR_ILL
                        : invalidate(e -> e.vmid() == vmid && (e.stage2() || e.world() == EL1));
            case TLBI_S2_IPA:
                return !s2 ? CommandError.CERROR_ILL
                        : invalidateRange(w0, w1, true, e -> e.stage2() && e.vmid() == vmid);
            case TLBI_NSNH_ALL:
                return invalidate(e -> e.stage2() || e.world() == EL1);
            case ATC_INV:
                return config.ats() ? CommandError.CERROR_NONE : CommandError.CERROR_ILL;
            case PRI_RESP: {
                int resp = (int) (w1 >>> 12) & 3;
                if (!config.pri() || resp == 3) {
                    return CommandError.CERROR_ILL;
                }
                pageResponses.onPageResponse(sid, (w0 >>> 11 & 1) != 0, ssid, (int) w1 & 0x1FF, resp);
                return CommandError.CERROR_NONE;
            }
            case SYNC:
                return sync(w0, w1);
            default:
                return CommandError.CERROR_ILL;
        }
    }

    /** CMD_SYNC (§4.7.3): CS 00 SIG_NONE, 01 SIG_IRQ (MSI write or sync line), 10 SIG_SEV, 11 reserved. */
    private int sync(long w0, long w1) {
        int cs = (int) (w0 >>> 12) & 3;
        if (cs == 3) {
            return CommandError.CERROR_ILL;
        }
        if (cs == 1) {
            interrupts.signalSync(w1 & SmmuRegisters.IRQ_ADDR_MASK, (int) (w0 >>> 32));
        }
        return CommandError.CERROR_NONE;
    }

    private static boolean stage1(Iotlb.Entry e, int world) {
        return !e.stage2() && e.world() == world;
    }

    private int invalidate(Predicate<Iotlb.Entry> which) {
        tlb.invalidate(which);
        return CommandError.CERROR_NONE;
    }

    /**
     * Address-based TLBI (§4.4.1): TG = 0 invalidates entries holding Addr; otherwise the range
     * is (NUM + 1) × 2^SCALE granules from Addr, and TG ≠ 0 with NUM = SCALE = TTL = 0 is reserved.
     */
    private int invalidateRange(long w0, long w1, boolean ipa, Predicate<Iotlb.Entry> which) {
        long addr = w1 & (ipa ? 0x00FF_FFFF_FFFF_F000L : 0xFFFF_FFFF_FFFF_F000L);
        int tg = (int) (w1 >>> 10) & 3;
        int ttl = (int) (w1 >>> 8) & 3;
        int num = (int) (w0 >>> 12) & 0x1F;
        int scale = (int) (w0 >>> 20) & 0x1F;
        long end;
        if (tg == 0) {
            end = addr + 1;
        } else {
            if (num == 0 && scale == 0 && ttl == 0) {
                return CommandError.CERROR_ILL;
            }
            long size = (long) (num + 1) << (scale + Granule.fromCommandTg(tg).pageShift());
            end = addr + size;
            if (Long.compareUnsigned(end, addr) < 0) {
                end = 0;
            }
        }
        long hi = end;
        tlb.invalidate(e -> which.test(e) && e.overlaps(addr, hi));
        return CommandError.CERROR_NONE;
    }
}
