package dev.vplat.iommu.vtd;

import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Locale;

/**
 * DMA remapping of one unit (VT-d spec chapter 3): context and PASID resolution through the
 * context/PASID caches, IOTLB lookup, page walk on a miss, fault recording. Holds the caches and
 * the invalidation operations register-based and queued invalidation share.
 *
 * <p>In {@code strict} mode every translation that used a cached entry is re-done from memory
 * without touching any cache, and a differing result (a guest changed a table and did not
 * invalidate) is counted and traced; the cached result is still what the device gets, because
 * that is what hardware does.
 */
final class DmaRemapping {
    private final String owner;
    private final VtdConfig config;
    private final TableWalker walker;
    private final FaultRecorder faults;
    private final Trace trace;
    private final ContextCache contexts = new ContextCache();
    private final Iotlb iotlb = new Iotlb();
    private final TableWalker.PageWalk scratch = new TableWalker.PageWalk();
    private final TableWalker.PageWalk verify = new TableWalker.PageWalk();

    private long rootTable;
    private boolean scalableRoot;
    private boolean invalidRoot;
    private long staleTranslations;
    private long walks;

    DmaRemapping(String owner, VtdConfig config, TableWalker walker, FaultRecorder faults, Trace trace) {
        this.owner = owner;
        this.config = config;
        this.walker = walker;
        this.faults = faults;
        this.trace = trace;
    }

    /** GCMD.SRTP: latch RTADDR (spec §11.4.6). TTM=01 selects scalable tables when the unit supports them. */
    void setRootTable(long rtaddr) {
        rootTable = rtaddr & config.hawMask() & ~0xFFFL;
        int ttm = (int) (rtaddr >>> VtdRegs.RTADDR_TTM_SHIFT) & 3;
        scalableRoot = config.scalableMode() && ttm == 1;
        invalidRoot = config.scalableMode() && ttm >= 2;
        invalidateAll();
    }

    /** Empties every translation cache (SRTP, TE changes, reset). */
    void invalidateAll() {
        contexts.invalidateAllContexts();
        iotlb.clear();
    }

    Translation translate(int sid, int pasid, long iova, boolean write) {
        boolean hasPasid = pasid != DmaTranslator.NO_PASID;
        if (!hasPasid && MsiMessage.inX86Window(iova)) {
            // Requests without PASID to the interrupt window are interrupt requests, never translated (§3.14).
            return Translation.translationFault();
        }
        boolean cached = false;
        TranslationContext tc;
        try {
            ContextEntry ce = contexts.context(sid);
            if (ce == null) {
                ce = fetchContext(sid, hasPasid);
                contexts.putContext(ce);
            } else {
                cached = true;
            }
            if (ce.isScalable()) {
                int effective = hasPasid ? pasid : ce.ridPasid;
                tc = contexts.pasid(ce, effective);
                if (tc == null || hasPasid && !ce.pasidEnable) {
                    tc = walker.pasidEntry(ce, effective, hasPasid);
                    contexts.putPasid(ce, effective, tc);
                } else {
                    cached = true;
                }
            } else {
                tc = ce.legacy;
            }
        } catch (WalkFault f) {
            return fault(sid, pasid, iova, write, f);
        }
        if (tc.kind == TranslationContext.Kind.PASS_THROUGH) {
            if (cached && config.strict()) {
                check(sid, pasid, iova, write, iova & ~0xFFFL, 1, Iotlb.PERM_READ | Iotlb.PERM_WRITE);
            }
            return Translation.identity(iova);
        }
        int slot = iotlb.lookup(tc.did, tc.pasidTag, iova);
        if (slot >= 0) {
            int meta = iotlb.meta(slot);
            int need = write ? Iotlb.PERM_WRITE : Iotlb.PERM_READ;
            boolean needsDirty = write && (meta & Iotlb.FIRST_LEVEL) != 0 && (meta & Iotlb.DIRTY) == 0;
            if ((meta & need) == 0) {
                // The cached entry denies the access: hardware faults on what it cached.
                FaultReason r = tc.scalable ? (write ? FaultReason.SM_WRITE_DENIED : FaultReason.SM_READ_DENIED)
                        : (write ? FaultReason.WRITE_DENIED : FaultReason.READ_DENIED);
                return fault(sid, pasid, iova, write, new WalkFault(r, tc.fpd));
            }
            if (!needsDirty) {
                int level = iotlb.level(slot);
                long size = 1L << Iotlb.shift(level);
                long offset = iova & (size - 1);
                long output = iotlb.output(slot);
                if (config.strict()) {
                    check(sid, pasid, iova, write, output, level, meta & 3);
                }
                return Translation.ok(output + offset, size - offset);
            }
        }
        try {
            walks++;
            walker.walk(tc, iova, write, true, scratch);
        } catch (WalkFault f) {
            return fault(sid, pasid, iova, write, f);
        }
        int meta = scratch.perms | (tc.kind == TranslationContext.Kind.FIRST_LEVEL ? Iotlb.FIRST_LEVEL : 0)
                | (scratch.dirty ? Iotlb.DIRTY : 0);
        iotlb.insert(tc.did, tc.pasidTag, iova, scratch.level, scratch.output, meta);
        if (cached && config.strict()) {
            check(sid, pasid, iova, write, scratch.output, scratch.level, scratch.perms);
        }
        long size = 1L << Iotlb.shift(scratch.level);
        long offset = iova & (size - 1);
        return Translation.ok(scratch.output + offset, size - offset);
    }

    private ContextEntry fetchContext(int sid, boolean hasPasid) throws WalkFault {
        if (invalidRoot) {
            throw new WalkFault(FaultReason.SM_INVALID_ROOT_TABLE, false);
        }
        if (!scalableRoot && hasPasid) {
            throw new WalkFault(FaultReason.SM_TTM_LEGACY_WITH_PASID, false);
        }
        return scalableRoot ? walker.scalableContext(rootTable, sid) : walker.legacyContext(rootTable, sid);
    }

    private Translation fault(int sid, int pasid, long iova, boolean write, WalkFault f) {
        if (!f.suppressed()) {
            faults.recordDma(sid, f.reason(), iova, !write, pasid);
        }
        return f.isPermission() ? Translation.permissionFault() : Translation.translationFault();
    }

    /**
     * Strict mode: redo the translation from memory alone and compare with what the caches gave.
     * Nothing is cached, recorded or written (no A/D updates).
     */
    private void check(int sid, int pasid, long iova, boolean write, long cachedOutput, int cachedLevel, int cachedPerms) {
        boolean hasPasid = pasid != DmaTranslator.NO_PASID;
        String memory;
        try {
            ContextEntry ce = fetchContext(sid, hasPasid);
            TranslationContext tc = ce.isScalable() ? walker.pasidEntry(ce, hasPasid ? pasid : ce.ridPasid, hasPasid)
                    : ce.legacy;
            if (tc.kind == TranslationContext.Kind.PASS_THROUGH) {
                if (cachedOutput == (iova & ~0xFFFL) && cachedPerms == 3) {
                    return;
                }
                memory = "pass-through";
            } else {
                walker.walk(tc, iova, write, false, verify);
                long mask = ~((1L << Iotlb.shift(verify.level)) - 1);
                long cachedMask = ~((1L << Iotlb.shift(cachedLevel)) - 1);
                if ((verify.output | iova & ~mask) == (cachedOutput | iova & ~cachedMask) && verify.perms == cachedPerms) {
                    return;
                }
                memory = String.format(Locale.ROOT, "0x%x %s", verify.output | iova & ~mask, perms(verify.perms));
            }
        } catch (WalkFault f) {
            memory = String.format(Locale.ROOT, "fault FR=0x%02x (%s)", f.reason().code(), f.reason());
        }
        staleTranslations++;
        if (trace.on(TraceCategory.IOMMU)) {
            long cachedMask = ~((1L << Iotlb.shift(cachedLevel)) - 1);
            trace.line(TraceCategory.IOMMU, owner, String.format(Locale.ROOT,
                    "stale translation (missing invalidation?): sid=%02x:%02x.%x pasid=%s iova=0x%x cached=0x%x %s memory=%s",
                    sid >> 8, (sid >> 3) & 0x1F, sid & 7, hasPasid ? Integer.toString(pasid) : "none", iova,
                    cachedOutput | iova & ~cachedMask, perms(cachedPerms), memory));
        }
    }

    private static String perms(int p) {
        return ((p & 1) != 0 ? "r" : "-") + ((p & 2) != 0 ? "w" : "-");
    }

    // ---- invalidation (spec §6.5) ----

    void invalidateContextGlobal() {
        contexts.invalidateAllContexts();
    }

    void invalidateContextDevice(int sid, int functionMask) {
        contexts.invalidateDevice(sid, functionMask);
    }

    void invalidateIotlbGlobal() {
        iotlb.clear();
    }

    /** Domain-selective IOTLB invalidation: second-level and pass-through mappings of the domain (§6.5.1.2). */
    void invalidateIotlbDomain(int did) {
        iotlb.invalidate((d, p, fl, first, last) -> d == did && !fl);
    }

    /** Page-selective: the 2^am pages at {@code addr} (aligned down) plus any larger page containing them. */
    void invalidateIotlbPages(int did, long addr, int am) {
        long base = addr & ~((1L << (12 + am)) - 1);
        long end = base + (1L << (12 + am)) - 1;
        iotlb.invalidate((d, p, fl, first, last) -> d == did && !fl && first <= end && last >= base);
    }

    /** PASID-based IOTLB invalidation (§6.5.2.4): first-level mappings of (DID, PASID); {@code am} < 0 = all. */
    void invalidatePasidIotlb(int did, int pasid, long addr, int am) {
        if (am < 0) {
            iotlb.invalidate((d, p, fl, first, last) -> d == did && p == pasid && fl);
            return;
        }
        long base = addr & ~((1L << (12 + am)) - 1);
        long end = base + (1L << (12 + am)) - 1;
        iotlb.invalidate((d, p, fl, first, last) -> d == did && p == pasid && fl && first <= end && last >= base);
    }

    void invalidatePasidCache(int did, int pasid) {
        contexts.invalidatePasids(did, pasid);
    }

    void invalidatePasidCacheGlobal() {
        contexts.invalidateAllPasids();
    }

    long staleTranslations() {
        return staleTranslations;
    }

    long walkSteps() {
        return walker.entryReads();
    }

    long walks() {
        return walks;
    }

    int iotlbEntries() {
        return iotlb.size();
    }

    void reset() {
        rootTable = 0;
        scalableRoot = false;
        invalidRoot = false;
        invalidateAll();
    }
}
