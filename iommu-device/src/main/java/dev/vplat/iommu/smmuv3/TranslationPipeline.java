package dev.vplat.iommu.smmuv3;

import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.platform.memory.GuestMemory;

/**
 * How one transaction is translated (IHI 0070 §3.3–3.4): SMMUEN/GBPA, the stream table (linear
 * or two-level), the STE, the CD (linear or two-level CD table, through stage 2 when nested),
 * the stage 1 walk (its table reads through stage 2 when nested) and the stage 2 walk. The
 * result carries the event to record, if any; nothing here writes guest memory or the event
 * queue, so the same path can re-check a cached answer against the tables (strict mode).
 */
final class TranslationPipeline {
    private static final long STRTAB_ADDR_MASK = 0x00FF_FFFF_FFFF_FFC0L;

    /** Outcome of one translation; {@code event} is null when nothing is to be recorded. */
    record Result(DmaStatus status, long address, long contiguous, SmmuEvent event, boolean usedCache) {
        boolean ok() {
            return status == DmaStatus.OK;
        }
    }

    /** Ends a translation early; unchecked so that it can leave a nested walk's descriptor reader. */
    private static final class Abort extends RuntimeException {
        final DmaStatus status;
        final transient SmmuEvent event;

        Abort(DmaStatus status, SmmuEvent event) {
            super(null, null, false, false);
            this.status = status;
            this.event = event;
        }
    }

    /** The transaction being translated and what has been learned about it so far. */
    private static final class Txn {
        final long sid;
        final int pasid;
        final long iova;
        final boolean write;
        final boolean caching;
        boolean privileged;
        boolean usedCache;

        Txn(long sid, int pasid, long iova, boolean write, boolean caching) {
            this.sid = sid;
            this.pasid = pasid;
            this.iova = iova;
            this.write = write;
            this.caching = caching;
        }

        boolean ssv() {
            return pasid != DmaTranslator.NO_PASID;
        }

        int ssid() {
            return ssv() ? pasid : 0;
        }
    }

    private final SmmuV3Config config;
    private final SmmuRegisters regs;
    private final GuestMemory memory;
    private final ConfigCache configCache;
    private final Iotlb tlb;

    TranslationPipeline(SmmuV3Config config, SmmuRegisters regs, GuestMemory memory, ConfigCache configCache,
                        Iotlb tlb) {
        this.config = config;
        this.regs = regs;
        this.memory = memory;
        this.configCache = configCache;
        this.tlb = tlb;
    }

    /** Translates one access; with {@code caching} false no cache is read or filled. */
    Result translate(long sid, int pasid, long iova, DmaDirection direction, boolean caching) {
        Txn t = new Txn(sid, pasid, iova, direction == DmaDirection.WRITE, caching);
        try {
            return run(t);
        } catch (Abort a) {
            return new Result(a.status, 0, 0, a.event, t.usedCache);
        }
    }

    private Result run(Txn t) {
        if (!regs.enabled(SmmuRegisters.CR0_SMMUEN)) {
            if ((regs.gbpa.value() & SmmuRegisters.GBPA_ABORT) != 0) {
                throw new Abort(DmaStatus.TRANSLATION_FAULT, null);
            }
            return identity(t);
        }
        StreamTableEntry ste = streamTableEntry(t);
        t.privileged = ste.privileged();
        if (ste.aborts()) {
            throw new Abort(DmaStatus.TRANSLATION_FAULT, null);
        }
        if (!ste.stage1() && t.ssv()) {
            throw configAbort(t, EventType.C_BAD_SUBSTREAMID);
        }
        if (ste.config() == StreamTableEntry.CONFIG_BYPASS) {
            return identity(t);
        }
        long address = t.iova;
        long contiguous = Long.MAX_VALUE;
        if (ste.stage1()) {
            ContextDescriptor cd = contextDescriptor(t, ste);
            if (cd != null) {
                PageTableWalker.Leaf leaf = stage1(t, ste, cd);
                address = leaf.outputAddress(t.iova);
                contiguous = remaining(leaf, t.iova);
            }
        }
        if (ste.stage2()) {
            PageTableWalker.Leaf leaf = stage2(t, ste, address, t.write, SmmuEvent.CLASS_IN);
            long ipa = address;
            address = leaf.outputAddress(ipa);
            contiguous = Math.min(contiguous, remaining(leaf, ipa));
        }
        if (contiguous == Long.MAX_VALUE) {
            contiguous = 4096 - (t.iova & 4095);
        }
        return new Result(DmaStatus.OK, address, contiguous, null, t.usedCache);
    }

    private static Result identity(Txn t) {
        return new Result(DmaStatus.OK, t.iova, 4096 - (t.iova & 4095), null, t.usedCache);
    }

    private static long remaining(PageTableWalker.Leaf leaf, long input) {
        long size = 1L << leaf.shift();
        return size - (input & (size - 1));
    }

    // ---- stream table (§3.3.1, §5.1, §6.3.24–6.3.25)

    private StreamTableEntry streamTableEntry(Txn t) {
        if (t.caching) {
            StreamTableEntry cached = configCache.ste(t.sid);
            if (cached != null) {
                t.usedCache = true;
                return cached;
            }
        }
        long cfg = regs.strtabBaseCfg.value();
        int log2 = (int) Math.min(cfg & 0x3F, config.sidBits());
        if (t.sid >>> log2 != 0) {
            throw badStreamId(t);
        }
        long base = regs.strtabBase.value() & STRTAB_ADDR_MASK;
        long steAddr;
        if ((cfg >>> 16 & 3) == 1 && config.twoLevelStreamTable()) {
            int split = (int) (cfg >>> 6) & 0x1F;
            if (split != 6 && split != 8 && split != 10) {
                split = 6;
            }
            long l1Bytes = 8L << Math.max(0, log2 - split);
            long l1Addr = (base & ~(Math.max(64, l1Bytes) - 1)) + (t.sid >>> split) * 8;
            long l1 = fetchWords(t, l1Addr, 1, EventType.F_STE_FETCH)[0];
            int span = (int) l1 & 0x1F;
            long low = t.sid & ((1L << split) - 1);
            if (span == 0 || span > 11 || span > split + 1 || low >>> (span - 1) != 0) {
                throw badStreamId(t);
            }
            long l2 = l1 & STRTAB_ADDR_MASK & -(1L << (span + 5));
            steAddr = l2 + low * 64;
        } else {
            steAddr = (base & -(1L << (log2 + 6))) + t.sid * 64;
        }
        long[] words = fetchWords(t, steAddr, 8, EventType.F_STE_FETCH);
        StreamTableEntry ste;
        try {
            ste = StreamTableEntry.decode(words, config);
        } catch (IllegalStructureException e) {
            throw configAbort(t, EventType.C_BAD_STE);
        }
        if (t.caching) {
            configCache.putSte(t.sid, ste);
        }
        return ste;
    }

    private Abort badStreamId(Txn t) {
        if ((regs.cr2.value() & SmmuRegisters.CR2_RECINVSID) == 0) {
            return new Abort(DmaStatus.TRANSLATION_FAULT, null);
        }
        return configAbort(t, EventType.C_BAD_STREAMID);
    }

    // ---- context descriptors (§3.3.2, §5.3, §5.4)

    /** The CD for this transaction, or null when STE.S1DSS makes non-substream traffic bypass stage 1. */
    private ContextDescriptor contextDescriptor(Txn t, StreamTableEntry ste) {
        int ssid;
        if (t.ssv() && ste.s1CdMax() == 0) {
            throw configAbort(t, EventType.C_BAD_SUBSTREAMID);
        }
        if (ste.s1CdMax() == 0) {
            ssid = 0;
        } else if (!t.ssv()) {
            switch (ste.s1Dss()) {
                case 1:
                    return null;
                case 2:
                    ssid = 0;
                    break;
                default:
                    throw configAbort(t, EventType.F_STREAM_DISABLED);
            }
        } else {
            if ((t.pasid & 0xFFFF_FFFFL) >>> ste.s1CdMax() != 0) {
                throw configAbort(t, EventType.C_BAD_SUBSTREAMID);
            }
            if (t.pasid == 0 && ste.s1Dss() == 2) {
                throw configAbort(t, EventType.F_STREAM_DISABLED);
            }
            ssid = t.pasid;
        }
        if (t.caching) {
            ContextDescriptor cached = configCache.cd(t.sid, ssid);
            if (cached != null) {
                t.usedCache = true;
                return cached;
            }
        }
        long cdAddr;
        if (ste.s1CdMax() == 0 || ste.s1Fmt() == 0) {
            cdAddr = ste.s1ContextPtr() + (long) ssid * 64;
        } else {
            int split = ste.s1Fmt() == 1 ? 6 : 10;
            long l1Addr = ste.s1ContextPtr() + (long) (ssid >>> split) * 8;
            long l1 = fetchConfig(t, ste, l1Addr, 1)[0];
            if ((l1 & 1) == 0 || (l1 & 0x00FF_FFFF_FFFF_F000L) >>> config.oasBits() != 0) {
                throw new Abort(DmaStatus.TRANSLATION_FAULT,
                        SmmuEvent.config(EventType.C_BAD_SUBSTREAMID, (int) t.sid, true, ssid));
            }
            cdAddr = (l1 & 0x00FF_FFFF_FFFF_F000L) + (long) (ssid & ((1 << split) - 1)) * 64;
        }
        long[] words = fetchConfig(t, ste, cdAddr, 8);
        ContextDescriptor cd;
        try {
            cd = ContextDescriptor.decode(words, config, ste.world());
        } catch (IllegalStructureException e) {
            throw configAbort(t, EventType.C_BAD_CD);
        }
        if (t.caching) {
            configCache.putCd(t.sid, ssid, cd);
        }
        return cd;
    }

    /** Reads a CD-table structure at an address that is an IPA when stage 2 is enabled. */
    private long[] fetchConfig(Txn t, StreamTableEntry ste, long addr, int words) {
        long pa = addr;
        if (ste.stage2()) {
            pa = stage2(t, ste, addr, false, SmmuEvent.CLASS_CD).outputAddress(addr);
        }
        return fetchWords(t, pa, words, EventType.F_CD_FETCH);
    }

    /** Fetches configuration words from RAM; anything else is an external abort (F_STE_FETCH / F_CD_FETCH). */
    private long[] fetchWords(Txn t, long pa, int count, EventType onAbort) {
        if (pa >>> config.oasBits() != 0 || !memory.isRam(pa, 8L * count)) {
            throw new Abort(DmaStatus.TRANSLATION_FAULT, SmmuEvent.fetch(onAbort, (int) t.sid, t.ssv(), t.ssid(), pa));
        }
        long[] w = new long[count];
        for (int i = 0; i < count; i++) {
            w[i] = memory.readRam(pa + 8L * i, 8);
        }
        return w;
    }

    // ---- stage 1 (§3.4, CD regions)

    private PageTableWalker.Leaf stage1(Txn t, StreamTableEntry ste, ContextDescriptor cd) {
        long va = t.iova;
        boolean upper = (va >>> 55 & 1) != 0;
        WalkConfig region = upper ? cd.region1() : cd.region0();
        boolean tbi = upper ? cd.tbi1() : cd.tbi0();
        long key = tbi ? (upper ? va | 0xFF00_0000_0000_0000L : va & 0x00FF_FFFF_FFFF_FFFFL) : va;
        if (region == null || (upper ? ~key : key) >>> region.inputBits() != 0) {
            throw stage1Fault(t, cd, EventType.F_TRANSLATION);
        }
        int world = ste.world().ordinal();
        PageTableWalker.Leaf leaf = null;
        if (t.caching) {
            Iotlb.Entry e = tlb.lookupStage1(world, ste.s2Vmid(), cd.asid(), key, region.granule());
            if (e != null) {
                t.usedCache = true;
                leaf = e.leaf();
            }
        }
        if (leaf == null) {
            PageTableWalker.DescriptorReader reader = ste.stage2()
                    ? ipa -> readDescriptor(stage2(t, ste, ipa, false, SmmuEvent.CLASS_TT).outputAddress(ipa))
                    : TranslationPipeline.this::readDescriptor;
            try {
                leaf = PageTableWalker.walk(region, key, reader);
            } catch (PageTableWalker.WalkFault f) {
                if (f.type == EventType.F_WALK_EABT) {
                    throw walkAbort(t, false, SmmuEvent.CLASS_TT, f.fetchAddr);
                }
                throw stage1Fault(t, cd, f.type);
            }
            if (t.caching) {
                tlb.insertStage1(world, ste.s2Vmid(), cd.asid(), key, leaf);
            }
        }
        if (!PageTableWalker.stage1Permits(leaf, t.write, t.privileged, ste.world() == StreamTableEntry.StreamWorld.NS_EL2)) {
            throw stage1Fault(t, cd, EventType.F_PERMISSION);
        }
        return leaf;
    }

    private long readDescriptor(long pa) throws PageTableWalker.WalkFault {
        if (pa >>> config.oasBits() != 0 || !memory.isRam(pa, 8)) {
            throw new PageTableWalker.WalkFault(EventType.F_WALK_EABT, pa);
        }
        return memory.readRam(pa, 8);
    }

    // ---- stage 2 (§3.4, STE S2 fields)

    /** Translates an IPA for the transaction ({@code CLASS_IN}), a CD fetch or a stage 1 table read. */
    private PageTableWalker.Leaf stage2(Txn t, StreamTableEntry ste, long ipa, boolean write, int eventClass) {
        WalkConfig c = ste.stage2Walk();
        if (ipa >>> c.inputBits() != 0) {
            throw stage2Fault(t, ste, EventType.F_TRANSLATION, ipa, eventClass);
        }
        PageTableWalker.Leaf leaf = null;
        if (t.caching) {
            Iotlb.Entry e = tlb.lookupStage2(ste.s2Vmid(), ipa, c.granule());
            if (e != null) {
                t.usedCache = true;
                leaf = e.leaf();
            }
        }
        if (leaf == null) {
            try {
                leaf = PageTableWalker.walk(c, ipa, this::readDescriptor);
            } catch (PageTableWalker.WalkFault f) {
                if (f.type == EventType.F_WALK_EABT) {
                    throw walkAbort(t, true, eventClass, f.fetchAddr);
                }
                throw stage2Fault(t, ste, f.type, ipa, eventClass);
            }
            if (t.caching) {
                tlb.insertStage2(ste.s2Vmid(), ipa, leaf);
            }
        }
        if (!PageTableWalker.stage2Permits(leaf, write)) {
            throw stage2Fault(t, ste, EventType.F_PERMISSION, ipa, eventClass);
        }
        return leaf;
    }

    // ---- faults (§5.5, §7.3)

    private static Abort configAbort(Txn t, EventType type) {
        return new Abort(DmaStatus.TRANSLATION_FAULT, SmmuEvent.config(type, (int) t.sid, t.ssv(), t.ssid()));
    }

    private static Abort stage1Fault(Txn t, ContextDescriptor cd, EventType type) {
        SmmuEvent e = cd.record() ? translationEvent(t, type, false, SmmuEvent.CLASS_IN, 0) : null;
        return new Abort(statusOf(type), e);
    }

    private static Abort stage2Fault(Txn t, StreamTableEntry ste, EventType type, long ipa, int eventClass) {
        SmmuEvent e = ste.s2Record() ? translationEvent(t, type, true, eventClass, ipa) : null;
        return new Abort(statusOf(type), e);
    }

    private static Abort walkAbort(Txn t, boolean stage2, int eventClass, long fetchAddr) {
        return new Abort(DmaStatus.TRANSLATION_FAULT, new SmmuEvent(EventType.F_WALK_EABT, (int) t.sid, t.ssv(),
                t.ssid(), stage2, eventClass, !t.write, t.privileged, t.iova, 0, fetchAddr));
    }

    private static SmmuEvent translationEvent(Txn t, EventType type, boolean stage2, int eventClass, long ipa) {
        return new SmmuEvent(type, (int) t.sid, t.ssv(), t.ssid(), stage2, eventClass, !t.write, t.privileged,
                t.iova, ipa, 0);
    }

    private static DmaStatus statusOf(EventType type) {
        return type == EventType.F_PERMISSION ? DmaStatus.PERMISSION_FAULT : DmaStatus.TRANSLATION_FAULT;
    }
}
