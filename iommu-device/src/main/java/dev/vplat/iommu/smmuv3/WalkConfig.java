package dev.vplat.iommu.smmuv3;

/**
 * The parameters of one translation table walk, as a CD region (TTB0 or TTB1) or the STE's stage
 * 2 fields define them (the SMMU equivalents of TCR_ELx/VTCR_EL2 plus TTBR).
 *
 * @param ttb         table base; an IPA for stage 1 when stage 2 is enabled
 * @param inputBits   64 − TxSZ
 * @param startLevel  first lookup level
 * @param outputBits  effective IPS / S2PS, already clamped to the OAS
 * @param accessFlagFaultsDisabled CD.AFFD / STE.S2AFFD
 * @param hierarchicalAttributesDisabled CD.HADx: APTable is ignored
 * @param stage2      stage 2 descriptor format (S2AP, no APTable)
 */
record WalkConfig(long ttb, Granule granule, int inputBits, int startLevel, int outputBits,
                  boolean accessFlagFaultsDisabled, boolean hierarchicalAttributesDisabled, boolean stage2) {
    /** Index bits resolved at the start level; more than one table's worth means concatenated tables. */
    int startLevelBits() {
        return inputBits - granule.levelShift(startLevel);
    }

    long startTableBytes() {
        return 8L << startLevelBits();
    }
}
