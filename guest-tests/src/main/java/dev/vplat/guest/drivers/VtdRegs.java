package dev.vplat.guest.drivers;

/**
 * The VT-d register interface and in-memory structure encodings a guest driver needs (Intel VT-d
 * architecture specification §11.4 registers, §9 structures, §6.5.2 descriptors; the names are
 * those of Linux include/linux/intel-iommu.h / drivers/iommu/intel/iommu.h). This is the guest
 * driver's own header, as a C driver carries its own: it shares nothing with the model or the
 * host driver, so a wrong constant there cannot hide a wrong constant here.
 */
public final class VtdRegs {
    private VtdRegs() {
    }

    public static final int VER = 0x000, CAP = 0x008, ECAP = 0x010, GCMD = 0x018, GSTS = 0x01C, RTADDR = 0x020,
            CCMD = 0x028, FSTS = 0x034, FECTL = 0x038, FEDATA = 0x03C, FEADDR = 0x040, FEUADDR = 0x044,
            IQH = 0x080, IQT = 0x088, IQA = 0x090, ICS = 0x09C, IECTL = 0x0A0, IQERCD = 0x0B0, IRTA = 0x0B8;

    /** GCMD bits (§11.4.4); GSTS reports each in the same position. */
    public static final int GCMD_TE = 1 << 31, GCMD_SRTP = 1 << 30, GCMD_WBF = 1 << 27, GCMD_QIE = 1 << 26,
            GCMD_IRE = 1 << 25, GCMD_SIRTP = 1 << 24, GCMD_CFI = 1 << 23;
    /** The persistent command bits software keeps in its shadow; the others are one-shot. */
    public static final int GCMD_PERSISTENT = GCMD_TE | GCMD_QIE | GCMD_IRE | GCMD_CFI;

    /** FSTS bits (§11.4.7.1). */
    public static final int FSTS_PFO = 1, FSTS_PPF = 1 << 1, FSTS_IQE = 1 << 4, FSTS_ICE = 1 << 5,
            FSTS_ITE = 1 << 6;
    public static final int FECTL_IM = 1 << 31, FECTL_IP = 1 << 30;

    /** CCMD (§11.4.5): ICC and the request granularity. */
    public static final long CCMD_ICC = 1L << 63, CCMD_GLOBAL = 1L << 61, CCMD_DOMAIN = 2L << 61,
            CCMD_DEVICE = 3L << 61;
    /** IOTLB_REG (§11.4.8.1). */
    public static final long IOTLB_IVT = 1L << 63, IOTLB_GLOBAL = 1L << 60, IOTLB_DSI = 2L << 60,
            IOTLB_PSI = 3L << 60;

    public static int capSagaw(long cap) {
        return (int) (cap >>> 8) & 0x1F;
    }

    public static boolean capRwbf(long cap) {
        return (cap & (1L << 4)) != 0;
    }

    public static boolean capCachingMode(long cap) {
        return (cap & (1L << 7)) != 0;
    }

    /** Offset of the first fault recording register (CAP.FRO × 16). */
    public static int capFaultRecordOffset(long cap) {
        return (int) ((cap >>> 24) & 0x3FF) * 16;
    }

    public static int capFaultRecords(long cap) {
        return (int) ((cap >>> 40) & 0xFF) + 1;
    }

    public static boolean capPsi(long cap) {
        return (cap & (1L << 39)) != 0;
    }

    /** Largest address mask a page-selective invalidation takes (CAP.MAMV). */
    public static int capMamv(long cap) {
        return (int) (cap >>> 48) & 0x3F;
    }

    public static boolean capEsrtps(long cap) {
        return (cap & (1L << 63)) != 0;
    }

    public static boolean capEsirtps(long cap) {
        return (cap & (1L << 62)) != 0;
    }

    public static boolean ecapQi(long ecap) {
        return (ecap & (1L << 1)) != 0;
    }

    public static boolean ecapIr(long ecap) {
        return (ecap & (1L << 3)) != 0;
    }

    /** Offset of IVA (ECAP.IRO × 16); IOTLB_REG follows at +8. */
    public static int ecapIotlbOffset(long ecap) {
        return (int) ((ecap >>> 8) & 0x3FF) * 16;
    }

    // --- queued-invalidation descriptors (§6.5.2), 128-bit: {qw0, qw1} ---

    public static final int QI_CC_TYPE = 0x1, QI_IOTLB_TYPE = 0x2, QI_IEC_TYPE = 0x4, QI_IWD_TYPE = 0x5;
    /** Granularity field G [5:4] of context-cache and IOTLB descriptors. */
    public static final int QI_GRAN_GLOBAL = 1, QI_GRAN_DOMAIN = 2, QI_GRAN_DEVICE_OR_PAGE = 3;
    /** Status value Linux's wait descriptors write (QI_DONE). */
    public static final int QI_DONE = 2;

    /** Context-cache invalidation: {@code granularity} 1 global, 2 domain, 3 device (SID, FM). */
    public static long[] qiContextCache(int granularity, int did, int sid, int functionMask) {
        return new long[] {QI_CC_TYPE | (long) granularity << 4 | (long) (did & 0xFFFF) << 16
                | (long) (sid & 0xFFFF) << 32 | (long) (functionMask & 3) << 48, 0};
    }

    /** IOTLB invalidation with read/write draining; {@code addr}/{@code am} matter for page-selective only. */
    public static long[] qiIotlb(int granularity, int did, long addr, int am, boolean leafOnly) {
        long qw0 = QI_IOTLB_TYPE | (long) granularity << 4 | 1L << 6 | 1L << 7 | (long) (did & 0xFFFF) << 16;
        long qw1 = granularity == QI_GRAN_DEVICE_OR_PAGE ? (addr & ~0xFFFL) | (leafOnly ? 1L << 6 : 0) | (am & 0x3F) : 0;
        return new long[] {qw0, qw1};
    }

    /** Interrupt-entry-cache invalidation: global, or {@code 2^im} entries from {@code index}. */
    public static long[] qiInterruptEntryCache(boolean global, int index, int im) {
        return global ? new long[] {QI_IEC_TYPE, 0}
                : new long[] {QI_IEC_TYPE | 1L << 4 | (long) (im & 0x1F) << 27 | (long) (index & 0xFFFF) << 32, 0};
    }

    /** Invalidation wait with status write of {@code status} to {@code statusAddr} (SW=1). */
    public static long[] qiWait(long statusAddr, int status) {
        return new long[] {QI_IWD_TYPE | 1L << 5 | (long) status << 32, statusAddr & ~3L};
    }

    // --- legacy root/context entries (§9.1, §9.3) and second-level entries (§9.8) ---

    public static final long ROOT_PRESENT = 1, CONTEXT_PRESENT = 1, CONTEXT_FPD = 1 << 1;
    /** Context TT: 00 translate through the second level. */
    public static final int CONTEXT_TT_MULTI_LEVEL = 0;
    /** Context AW: 1 = 39-bit (3-level), 2 = 48-bit (4-level). */
    public static final int AW_39 = 1, AW_48 = 2;
    public static final long SL_READ = 1, SL_WRITE = 2, SL_LARGE = 1 << 7;
    public static final long SL_ADDR_MASK = 0x000F_FFFF_FFFF_F000L;

    public static long contextLow(long slptptr, boolean faultProcessingDisable) {
        return (slptptr & ~0xFFFL) | (faultProcessingDisable ? CONTEXT_FPD : 0) | CONTEXT_TT_MULTI_LEVEL << 2
                | CONTEXT_PRESENT;
    }

    public static long contextHigh(int aw, int did) {
        return aw | (long) (did & 0xFFFF) << 8;
    }

    // --- fault recording (§11.4.14): the upper qword of a record ---

    public static final long FRCD_F = 1L << 63, FRCD_T_READ = 1L << 62, FRCD_PP = 1L << 31;

    public static int frcdReason(long high) {
        return (int) (high >>> 32) & 0xFF;
    }

    public static int frcdSourceId(long high) {
        return (int) high & 0xFFFF;
    }

    // --- interrupt remapping (§5.1, §9.10) ---

    /** IRTE low qword, remapped format: present, physical destination mode, fixed delivery. */
    public static long irteLow(int vector, int destinationApic) {
        return 1 | (long) (vector & 0xFF) << 16 | (long) (destinationApic & 0xFF) << 40;
    }

    /** IRTE high qword: verify the requester with SVT=01, SQ=00 (all 16 bits). */
    public static long irteHigh(int sourceId) {
        return (sourceId & 0xFFFF) | 1L << 18;
    }

    /** A remappable-format MSI address (§5.1.5.2) for {@code handle}, no sub-handle. */
    public static long remappableMsiAddress(int handle) {
        return 0xFEE0_0000L | (long) (handle & 0x7FFF) << 5 | 1L << 4 | (long) ((handle >>> 15) & 1) << 2;
    }
}
