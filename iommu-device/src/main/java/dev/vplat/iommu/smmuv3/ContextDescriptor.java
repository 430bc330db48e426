package dev.vplat.iommu.smmuv3;

/**
 * A decoded, legal Context Descriptor (IHI 0070 §5.4): stage 1 of one (sub)stream. The two VA
 * regions (TTB0 for VA[55] = 0, TTB1 for VA[55] = 1) are null when EPDx disables their walks.
 */
record ContextDescriptor(WalkConfig region0, WalkConfig region1, boolean tbi0, boolean tbi1, int asid,
                         boolean record, long mair) {
    static ContextDescriptor decode(long[] w, SmmuV3Config unit, StreamTableEntry.StreamWorld world)
            throws IllegalStructureException {
        long dw0 = w[0];
        if ((dw0 >>> 31 & 1) == 0) {
            throw new IllegalStructureException("V == 0");
        }
        if ((dw0 >>> 46 & 1) == 0) {
            throw new IllegalStructureException("A == 0 but IDR0.TERM_MODEL == 1");
        }
        if ((dw0 >>> 44 & 1) != 0) {
            throw new IllegalStructureException("S set but the stall model is terminate-only");
        }
        if ((dw0 >>> 42 & 3) != 0) {
            throw new IllegalStructureException("HA/HD set but IDR0.HTTU == 0");
        }
        if ((dw0 >>> 41 & 1) == 0) {
            throw new IllegalStructureException("AA64 == 0 but only VMSAv8-64 tables are implemented");
        }
        boolean el2 = world == StreamTableEntry.StreamWorld.NS_EL2;
        boolean epd0 = !el2 && (dw0 >>> 14 & 1) != 0;
        boolean epd1 = el2 || (dw0 >>> 30 & 1) != 0;
        if ((dw0 >>> 15 & 1) != 0 && !(epd0 && epd1)) {
            throw new IllegalStructureException("ENDI selects big-endian tables");
        }
        int outBits = unit.effectiveOutputBits((int) (dw0 >>> 32) & 7);
        boolean affd = (dw0 >>> 35 & 1) != 0;
        WalkConfig r0 = epd0 ? null : region(unit, "0", (int) dw0 & 0x3F, Granule.fromTg0(dw0 >>> 6 & 3),
                w[1], outBits, affd);
        WalkConfig r1 = epd1 ? null : region(unit, "1", (int) (dw0 >>> 16) & 0x3F, Granule.fromTg1(dw0 >>> 22 & 3),
                w[2], outBits, affd);
        return new ContextDescriptor(r0, r1, (dw0 >>> 38 & 1) != 0, !el2 && (dw0 >>> 39 & 1) != 0,
                el2 ? 0 : (int) (dw0 >>> 48) & 0xFFFF, (dw0 >>> 45 & 1) != 0, w[3]);
    }

    /** One TTBx region; {@code ttbWord} also holds HADx in bit 1 (§5.4 HAD0 bit 65, HAD1 bit 129). */
    private static WalkConfig region(SmmuV3Config unit, String n, int txsz, Granule g, long ttbWord, int outBits,
                                     boolean affd) throws IllegalStructureException {
        if (txsz < 16 || txsz > 39) {
            throw new IllegalStructureException("T" + n + "SZ " + txsz + " is out of range");
        }
        if (g == null || !unit.granules().contains(g)) {
            throw new IllegalStructureException("TG" + n + " selects an unsupported granule");
        }
        long ttb = ttbWord & 0x00FF_FFFF_FFFF_FFF0L;
        if (ttb >>> outBits != 0) {
            throw new IllegalStructureException("TTB" + n + " 0x" + Long.toHexString(ttb) + " is outside IPS");
        }
        int inputBits = 64 - txsz;
        int start = g.startLevel(inputBits);
        WalkConfig c = new WalkConfig(ttb, g, inputBits, start, outBits, affd, (ttbWord >>> 1 & 1) != 0, false);
        return new WalkConfig(ttb & ~(c.startTableBytes() - 1), g, inputBits, start, outBits, affd,
                c.hierarchicalAttributesDisabled(), false);
    }
}
