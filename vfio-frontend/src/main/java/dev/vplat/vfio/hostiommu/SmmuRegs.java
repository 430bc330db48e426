package dev.vplat.vfio.hostiommu;

/**
 * What the host SMMUv3 driver knows of the programming interface (IHI 0070 §6.2–6.3; names and
 * field positions as Linux's arm-smmu-v3.h spells them, fact sheet §B.1–B.6): register offsets of
 * pages 0 and 1, the bits it writes, and decoders of the ID registers it probes.
 */
final class SmmuRegs {
    static final int IDR0 = 0x00, IDR1 = 0x04, IDR2 = 0x08, IDR3 = 0x0C, IDR4 = 0x10, IDR5 = 0x14;
    static final int IIDR = 0x18, AIDR = 0x1C;
    static final int CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28, CR2 = 0x2C, GBPA = 0x44;
    static final int IRQ_CTRL = 0x50, IRQ_CTRLACK = 0x54, GERROR = 0x60, GERRORN = 0x64;
    static final int GERROR_IRQ_CFG0 = 0x68, GERROR_IRQ_CFG1 = 0x70, GERROR_IRQ_CFG2 = 0x74;
    static final int STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88;
    static final int CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9C;
    static final int EVTQ_BASE = 0xA0, EVTQ_IRQ_CFG0 = 0xB0, EVTQ_IRQ_CFG1 = 0xB8, EVTQ_IRQ_CFG2 = 0xBC;
    static final int PRIQ_IRQ_CFG0 = 0xD0;
    /** Page 1 (base + 64 KiB): Linux reaches the event queue indexes only there. */
    static final int EVTQ_PROD = 0x100A8, EVTQ_CONS = 0x100AC;
    /** The window Linux maps: pages 0 and 1 (arm_smmu_resource_size). */
    static final long WINDOW_SIZE = 0x20000;

    static final int CR0_SMMUEN = 1, CR0_EVTQEN = 1 << 2, CR0_CMDQEN = 1 << 3;
    /** CR1: table and queue accesses inner-shareable, write-back cacheable (SH = 3, OC = IC = 1). */
    static final int CR1_ISH_WB = 3 << 10 | 1 << 8 | 1 << 6 | 3 << 4 | 1 << 2 | 1;
    static final int CR2_RECINVSID = 1 << 1, CR2_PTM = 1 << 2;
    static final int GBPA_ABORT = 1 << 20, GBPA_UPDATE = 1 << 31;
    static final int IRQ_CTRL_GERROR_IRQEN = 1, IRQ_CTRL_EVTQ_IRQEN = 1 << 2;
    static final int GERROR_CMDQ_ERR = 1;
    /** The GERROR bits Linux handles (GERROR_ERR_MASK). */
    static final int GERROR_ERR_MASK = 0x1FD;
    /** *_IRQ_CFG2: Device-nGnRE, what Linux writes for an MSI doorbell (ARM_SMMU_MEMATTR_DEVICE_nGnRE). */
    static final int MEMATTR_DEVICE_NGNRE = 0x1;
    static final long Q_BASE_RWA = 1L << 62;
    static final long STRTAB_BASE_RA = 1L << 62;
    static final int STRTAB_BASE_CFG_FMT_LINEAR = 0;
    static final int Q_OVERFLOW_FLAG = 1 << 31;
    static final int CMDQ_CONS_ERR_SHIFT = 24;

    private SmmuRegs() {
    }

    static boolean s1p(long idr0) {
        return (idr0 >>> 1 & 1) != 0;
    }

    static boolean s2p(long idr0) {
        return (idr0 & 1) != 0;
    }

    /** IDR0.TTF: 0b10 AArch64, 0b11 both; Linux needs AArch64. */
    static boolean ttfAarch64(long idr0) {
        return (idr0 >>> 2 & 2) != 0;
    }

    static boolean coherent(long idr0) {
        return (idr0 >>> 4 & 1) != 0;
    }

    static boolean hyp(long idr0) {
        return (idr0 >>> 9 & 1) != 0;
    }

    static boolean asid16(long idr0) {
        return (idr0 >>> 12 & 1) != 0;
    }

    static boolean msi(long idr0) {
        return (idr0 >>> 13 & 1) != 0;
    }

    static boolean vmid16(long idr0) {
        return (idr0 >>> 18 & 1) != 0;
    }

    /** IDR0.TTENDIAN: 0b00 mixed or 0b10 little-endian tables are usable by a little-endian host. */
    static boolean littleEndianTables(long idr0) {
        long e = idr0 >>> 21 & 3;
        return e == 0 || e == 2;
    }

    static int sidBits(long idr1) {
        return (int) (idr1 & 0x3F);
    }

    static int evtqShift(long idr1) {
        return (int) (idr1 >>> 16 & 0x1F);
    }

    static int cmdqShift(long idr1) {
        return (int) (idr1 >>> 21 & 0x1F);
    }

    /** IDR1.TABLES_PRESET, QUEUES_PRESET, REL: fixed or relative bases, which Linux refuses. */
    static boolean presetOrRelative(long idr1) {
        return (idr1 >>> 28 & 7) != 0;
    }

    /** IDR1.ATTR_TYPES_OVR: the STE may override incoming attributes (Linux then sets SHCFG). */
    static boolean attrTypesOverride(long idr1) {
        return (idr1 >>> 27 & 1) != 0;
    }

    /** IDR3.RIL: range invalidation with TG/NUM/SCALE/TTL (ARM_SMMU_FEAT_RANGE_INV). */
    static boolean rangeInvalidation(long idr3) {
        return (idr3 >>> 10 & 1) != 0;
    }

    /** IDR5.OAS decoded to bits (000 32 … 101 48, 110 52). */
    static int oasBits(long idr5) {
        int[] bits = {32, 36, 40, 42, 44, 48, 52, 56};
        return bits[(int) (idr5 & 7)];
    }

    static boolean gran4k(long idr5) {
        return (idr5 >>> 4 & 1) != 0;
    }
}
