package dev.vplat.iommu.vtd;

/**
 * How requests of one source-id (and PASID, in scalable mode) are translated: the outcome of
 * the context entry (legacy, spec §9.3) or the PASID-table entry (scalable, spec §9.6).
 */
final class TranslationContext {
    enum Kind { SECOND_LEVEL, FIRST_LEVEL, PASS_THROUGH }

    final Kind kind;
    final int did;
    /** PASID the IOTLB tags entries with: the PASID used, or {@link Iotlb#NO_PASID_TAG} in legacy mode. */
    final int pasidTag;
    final long tableRoot;
    final int levels;
    final boolean fpd;
    final boolean scalable;

    TranslationContext(Kind kind, int did, int pasidTag, long tableRoot, int levels, boolean fpd, boolean scalable) {
        this.kind = kind;
        this.did = did;
        this.pasidTag = pasidTag;
        this.tableRoot = tableRoot;
        this.levels = levels;
        this.fpd = fpd;
        this.scalable = scalable;
    }
}
