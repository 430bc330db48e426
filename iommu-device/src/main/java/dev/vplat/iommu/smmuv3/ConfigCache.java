package dev.vplat.iommu.smmuv3;

import java.util.HashMap;
import java.util.Map;

/**
 * Cached configuration structures (IHI 0070 §3.16): legal STEs by StreamID and CDs by
 * (StreamID, SubstreamID). Invalid structures and failed fetches are never cached (§5.2.1),
 * so only a successful fetch can go stale. Invalidating an STE also drops the CDs fetched
 * through it (§5.2.1: "invalidation of an STE also invalidates cached CDs").
 */
final class ConfigCache {
    private final Map<Long, StreamTableEntry> stes = new HashMap<>();
    private final Map<Long, ContextDescriptor> cds = new HashMap<>();

    StreamTableEntry ste(long sid) {
        return stes.get(sid);
    }

    void putSte(long sid, StreamTableEntry ste) {
        stes.put(sid, ste);
    }

    ContextDescriptor cd(long sid, int ssid) {
        return cds.get(cdKey(sid, ssid));
    }

    void putCd(long sid, int ssid, ContextDescriptor cd) {
        cds.put(cdKey(sid, ssid), cd);
    }

    /** CMD_CFGI_STE_RANGE: {@code count} StreamIDs from {@code first} (CFGI_STE is count 1). */
    void invalidateStes(long first, long count) {
        long last = first + count - 1;
        stes.keySet().removeIf(sid -> sid >= first && sid <= last);
        cds.keySet().removeIf(k -> (k >>> 20) >= first && (k >>> 20) <= last);
    }

    void invalidateCd(long sid, int ssid) {
        cds.remove(cdKey(sid, ssid));
    }

    void invalidateCds(long sid) {
        cds.keySet().removeIf(k -> (k >>> 20) == sid);
    }

    void clear() {
        stes.clear();
        cds.clear();
    }

    int steCount() {
        return stes.size();
    }

    int cdCount() {
        return cds.size();
    }

    /** StreamIDs are up to 32 bits and SubstreamIDs 20 bits, so the pair fits one long. */
    private static long cdKey(long sid, int ssid) {
        return sid << 20 | (ssid & 0xF_FFFFL);
    }
}
