package dev.vplat.vfio.hostiommu;

/**
 * The VT-d register interface as the host driver uses it (VT-d spec §11.4; the DMAR_* names of
 * Linux drivers/iommu/intel/iommu.h). The IOTLB and fault-recording offsets are not constants:
 * they come from ECAP.IRO and CAP.FRO of the unit at hand.
 */
final class DmarRegs {
    private DmarRegs() {
    }

    static final int VER = 0x000;
    static final int CAP = 0x008;
    static final int ECAP = 0x010;
    static final int GCMD = 0x018;
    static final int GSTS = 0x01C;
    static final int RTADDR = 0x020;
    static final int FSTS = 0x034;
    static final int FECTL = 0x038;
    static final int FEDATA = 0x03C;
    static final int FEADDR = 0x040;
    static final int FEUADDR = 0x044;
    static final int IQH = 0x080;
    static final int IQT = 0x088;
    static final int IQA = 0x090;

    // GCMD bits; GSTS reports each in the same position (TES, RTPS, WBFS, QIES).
    static final int GCMD_TE = 1 << 31;
    static final int GCMD_SRTP = 1 << 30;
    static final int GCMD_WBF = 1 << 27;
    static final int GCMD_QIE = 1 << 26;
    static final int GCMD_IRE = 1 << 25;
    /** The persistent GCMD bits software keeps in its shadow (Linux iommu->gcmd). */
    static final int GCMD_PERSISTENT = GCMD_TE | GCMD_QIE | GCMD_IRE;

    static final int FSTS_PFO = 1;
    static final int FSTS_PPF = 1 << 1;
    static final int FSTS_IQE = 1 << 4;
    static final int FSTS_ICE = 1 << 5;
    static final int FSTS_ITE = 1 << 6;
    /** Older specs' page-request overflow; Linux still writes it when clearing faults. */
    static final int FSTS_PRO = 1 << 7;

    // CAP_REG fields (§11.4.2)
    static boolean capRwbf(long cap) {
        return (cap & (1L << 4)) != 0;
    }

    static boolean capCachingMode(long cap) {
        return (cap & (1L << 7)) != 0;
    }

    static int capSagaw(long cap) {
        return (int) (cap >>> 8) & 0x1F;
    }

    static int capMgaw(long cap) {
        return (int) ((cap >>> 16) & 0x3F) + 1;
    }

    static int capFaultRecordOffset(long cap) {
        return (int) ((cap >>> 24) & 0x3FF) * 16;
    }

    static boolean capPsi(long cap) {
        return (cap & (1L << 39)) != 0;
    }

    static int capFaultRecords(long cap) {
        return (int) ((cap >>> 40) & 0xFF) + 1;
    }

    static int capMamv(long cap) {
        return (int) (cap >>> 48) & 0x3F;
    }

    static boolean capWriteDrain(long cap) {
        return (cap & (1L << 54)) != 0;
    }

    static boolean capReadDrain(long cap) {
        return (cap & (1L << 55)) != 0;
    }

    static boolean capEsrtps(long cap) {
        return (cap & (1L << 63)) != 0;
    }

    // ECAP_REG fields (§11.4.3)
    static boolean ecapQi(long ecap) {
        return (ecap & (1L << 1)) != 0;
    }

    static boolean ecapPassThrough(long ecap) {
        return (ecap & (1L << 6)) != 0;
    }

    static int ecapIotlbOffset(long ecap) {
        return (int) ((ecap >>> 8) & 0x3FF) * 16;
    }

    static boolean ecapNest(long ecap) {
        return (ecap & (1L << 26)) != 0;
    }

    static boolean ecapSlads(long ecap) {
        return (ecap & (1L << 45)) != 0;
    }

    static boolean ecapSmts(long ecap) {
        return (ecap & (1L << 43)) != 0;
    }

    /**
     * Size of the register window Linux maps (map_iommu): the end of the IOTLB registers or of the
     * fault-recording registers, whichever is further, rounded up to 4 KiB.
     */
    static long windowSize(long cap, long ecap) {
        long end = Math.max(ecapIotlbOffset(ecap) + 16L, capFaultRecordOffset(cap) + 16L * capFaultRecords(cap));
        return (end + 0xFFF) & ~0xFFFL;
    }
}
