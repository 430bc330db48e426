package dev.vplat.iommu.smmuv3;

/**
 * A decoded, legal Stream Table Entry (IHI 0070 §5.2): the 64-byte structure that says how one
 * StreamID is translated. Only the fields this model acts on are kept; {@link #decode} applies
 * the validity rules of §5.2.2 that depend on what the unit implements.
 */
record StreamTableEntry(int config, int s1Fmt, long s1ContextPtr, int s1CdMax, int s1Dss, StreamWorld world,
                        int privCfg, int s2Vmid, WalkConfig stage2Walk, boolean s2Record) {
    static final int CONFIG_BYPASS = 0b100;

    /** Which translation regime the stream's stage 1 belongs to (STE.STRW). */
    enum StreamWorld {
        NS_EL1, NS_EL2
    }

    boolean aborts() {
        return (config & 0b100) == 0;
    }

    boolean stage1() {
        return !aborts() && (config & 1) != 0;
    }

    boolean stage2() {
        return !aborts() && (config & 2) != 0;
    }

    /** PnU after the STE override: PCIe requests without a PASID privilege bit arrive unprivileged. */
    boolean privileged() {
        return privCfg == 0b11;
    }

    static StreamTableEntry decode(long[] w, SmmuV3Config unit) throws IllegalStructureException {
        if ((w[0] & 1) == 0) {
            throw new IllegalStructureException("V == 0");
        }
        int config = (int) (w[0] >>> 1) & 7;
        boolean s1 = (config & 0b101) == 0b101;
        boolean s2 = (config & 0b110) == 0b110;
        if (s1 && !unit.stages().stage1() || s2 && !unit.stages().stage2()) {
            throw new IllegalStructureException("Config 0b" + Integer.toBinaryString(config) + " selects a stage not implemented");
        }
        int s1Fmt = (int) (w[0] >>> 4) & 3;
        long s1ContextPtr = w[0] & 0x00FF_FFFF_FFFF_FFC0L;
        int s1CdMax = (int) (w[0] >>> 59) & 0x1F;
        int s1Dss = (int) w[1] & 3;
        StreamWorld world = StreamWorld.NS_EL1;
        if (s1) {
            if (unit.ssidBits() == 0) {
                s1CdMax = 0;
            } else if (s1CdMax > unit.ssidBits()) {
                throw new IllegalStructureException("S1CDMax " + s1CdMax + " exceeds SSIDSIZE " + unit.ssidBits());
            }
            if ((w[1] >>> 27 & 1) != 0) {
                throw new IllegalStructureException("S1STALLD set but the stall model is not configurable");
            }
            int strw = (int) (w[1] >>> 30) & 3;
            boolean strwUsed = !s2 && unit.stages().stage2();
            if (strwUsed && (strw & 1) != 0) {
                throw new IllegalStructureException("STRW 0b" + Integer.toBinaryString(strw) + " is reserved");
            }
            if (strwUsed && strw == 0b10) {
                world = StreamWorld.NS_EL2;
            }
        }
        int privCfg = (int) (w[1] >>> 48) & 3;
        int vmid = (int) w[2] & (unit.stages().stage2() ? 0xFFFF : 0);
        WalkConfig s2Walk = null;
        boolean s2Record = false;
        if (s2) {
            s2Walk = decodeStage2(w, unit);
            s2Record = (w[2] >>> 58 & 1) != 0;
        }
        return new StreamTableEntry(config, s1Fmt == 3 ? 0 : s1Fmt, s1ContextPtr, s1CdMax, s1Dss, world, privCfg,
                s1 || s2 ? vmid : 0, s2Walk, s2Record);
    }

    private static WalkConfig decodeStage2(long[] w, SmmuV3Config unit) throws IllegalStructureException {
        long dw2 = w[2];
        if ((dw2 >>> 51 & 1) == 0) {
            throw new IllegalStructureException("S2AA64 == 0 but only VMSAv8-64 tables are implemented");
        }
        if ((dw2 >>> 52 & 1) != 0) {
            throw new IllegalStructureException("S2ENDI selects big-endian tables");
        }
        if ((dw2 >>> 55 & 3) != 0) {
            throw new IllegalStructureException("S2HA/S2HD set but IDR0.HTTU == 0");
        }
        if ((dw2 >>> 57 & 1) != 0) {
            throw new IllegalStructureException("S2S set but the stall model is terminate-only");
        }
        Granule g = Granule.fromTg0(dw2 >>> 46 & 3);
        if (g == null || !unit.granules().contains(g)) {
            throw new IllegalStructureException("S2TG selects an unsupported granule");
        }
        int t0sz = (int) (dw2 >>> 32) & 0x3F;
        int inputBits = 64 - t0sz;
        if (t0sz > 39 || inputBits > Math.min(48, unit.oasBits())) {
            throw new IllegalStructureException("S2T0SZ " + t0sz + " is out of range");
        }
        int sl0 = (int) (dw2 >>> 38) & 3;
        if (sl0 == 3) {
            throw new IllegalStructureException("S2SL0 0b11 is reserved");
        }
        int start = (g == Granule.G4K ? 2 : 3) - sl0;
        int bits = inputBits - g.levelShift(start);
        if (bits < 1 || bits > g.stride() + 4) {
            throw new IllegalStructureException("S2SL0 " + sl0 + " is inconsistent with S2T0SZ " + t0sz);
        }
        int outBits = unit.effectiveOutputBits((int) (dw2 >>> 48) & 7);
        long ttb = w[3] & 0x00FF_FFFF_FFFF_FFF0L;
        WalkConfig c = new WalkConfig(ttb, g, inputBits, start, outBits, (dw2 >>> 53 & 1) != 0, false, true);
        if (ttb >>> outBits != 0 || (ttb & (c.startTableBytes() - 1)) != 0) {
            throw new IllegalStructureException("S2TTB 0x" + Long.toHexString(ttb) + " is out of range or misaligned");
        }
        return c;
    }
}
