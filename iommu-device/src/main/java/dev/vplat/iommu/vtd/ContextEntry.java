package dev.vplat.iommu.vtd;

/**
 * A context-cache entry: what the root and context entries of one source-id said when they
 * were fetched. Legacy mode (spec §9.3) resolves directly to a {@link TranslationContext};
 * scalable mode (spec §9.4) keeps the PASID-directory pointer and RID_PASID so the PASID entry
 * can be fetched (and PASID-cached) per request.
 */
final class ContextEntry {
    final int sid;
    final boolean fpd;
    /** Legacy mode: the translation every request of this source-id uses. Null in scalable mode. */
    final TranslationContext legacy;
    final long pasidDirectory;
    final int pasidDirectoryEntries;
    final int ridPasid;
    final boolean pasidEnable;
    /** Shortcut to the PASID-cache entry of RID_PASID, valid while {@link #ridPasidGeneration} is current. */
    TranslationContext ridPasidContext;
    long ridPasidGeneration = -1;

    private ContextEntry(int sid, boolean fpd, TranslationContext legacy, long pasidDirectory,
                         int pasidDirectoryEntries, int ridPasid, boolean pasidEnable) {
        this.sid = sid;
        this.fpd = fpd;
        this.legacy = legacy;
        this.pasidDirectory = pasidDirectory;
        this.pasidDirectoryEntries = pasidDirectoryEntries;
        this.ridPasid = ridPasid;
        this.pasidEnable = pasidEnable;
    }

    static ContextEntry legacy(int sid, boolean fpd, TranslationContext tc) {
        return new ContextEntry(sid, fpd, tc, 0, 0, 0, false);
    }

    static ContextEntry scalable(int sid, boolean fpd, long pasidDirectory, int entries, int ridPasid, boolean pasidEnable) {
        return new ContextEntry(sid, fpd, null, pasidDirectory, entries, ridPasid, pasidEnable);
    }

    boolean isScalable() {
        return legacy == null;
    }
}
