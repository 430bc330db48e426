package dev.vplat.iommu.vtd;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The context cache (spec §6.2.1) and, in scalable mode, the PASID cache (spec §6.2.2). Only
 * entries that resolved without a fault are kept. Context entries are indexed by source-id in a
 * flat array (one load per lookup); PASID-cache entries sit in a map keyed by source-id and
 * PASID, and each context entry keeps a shortcut to its RID_PASID entry that any PASID-cache
 * invalidation retires by bumping a generation number.
 */
final class ContextCache {
    private final ContextEntry[] bySid = new ContextEntry[0x10000];
    private final Map<Long, TranslationContext> pasids = new HashMap<>();
    private long generation;

    ContextEntry context(int sid) {
        return bySid[sid];
    }

    void putContext(ContextEntry entry) {
        bySid[entry.sid] = entry;
    }

    private static long key(int sid, int pasid) {
        return (long) sid << 20 | pasid;
    }

    TranslationContext pasid(ContextEntry ce, int pasid) {
        if (pasid == ce.ridPasid && ce.ridPasidGeneration == generation) {
            return ce.ridPasidContext;
        }
        TranslationContext tc = pasids.get(key(ce.sid, pasid));
        if (tc != null && pasid == ce.ridPasid) {
            ce.ridPasidContext = tc;
            ce.ridPasidGeneration = generation;
        }
        return tc;
    }

    void putPasid(ContextEntry ce, int pasid, TranslationContext tc) {
        pasids.put(key(ce.sid, pasid), tc);
        if (pasid == ce.ridPasid) {
            ce.ridPasidContext = tc;
            ce.ridPasidGeneration = generation;
        }
    }

    /** Global context-cache invalidation; in scalable mode the PASID entries hang off the contexts and go too. */
    void invalidateAllContexts() {
        Arrays.fill(bySid, null);
        pasids.clear();
        generation++;
    }

    /** Device-selective invalidation: the function mask FM ignores the low 1–3 function bits (spec §6.5.1.1). */
    void invalidateDevice(int sid, int functionMask) {
        int ignore = functionMask == 0 ? 0 : (1 << functionMask) - 1;
        int base = sid & ~ignore;
        for (int s = base; s <= (base | ignore); s++) {
            bySid[s] = null;
        }
        pasids.keySet().removeIf(k -> ((k >>> 20) & ~ignore) == base);
        generation++;
    }

    /** PASID-cache invalidation (spec §6.5.2.5): {@code pasid} < 0 selects every PASID of the domain. */
    void invalidatePasids(int did, int pasid) {
        for (Iterator<Map.Entry<Long, TranslationContext>> it = pasids.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, TranslationContext> e = it.next();
            if (e.getValue().did == did && (pasid < 0 || (e.getKey() & 0xFFFFF) == pasid)) {
                it.remove();
            }
        }
        generation++;
    }

    void invalidateAllPasids() {
        pasids.clear();
        generation++;
    }

    int pasidEntries() {
        return pasids.size();
    }
}
