package dev.vplat.guest.drivers;

/**
 * The guest SMMUv3 driver's own header (IHI 0070 §6.2–6.3, §4.1, §5; names as Linux's
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h spells them): register offsets of pages 0 and 1,
 * the bits the driver writes, the command opcodes and the STE/CD field values it builds.
 */
public final class SmmuV3Regs {
    public static final int IDR0 = 0x00, IDR1 = 0x04, IDR3 = 0x0C, IDR5 = 0x14, IIDR = 0x18, AIDR = 0x1C;
    public static final int CR0 = 0x20, CR0ACK = 0x24, CR1 = 0x28, CR2 = 0x2C, GBPA = 0x44;
    public static final int IRQ_CTRL = 0x50, IRQ_CTRLACK = 0x54, GERROR = 0x60, GERRORN = 0x64;
    public static final int GERROR_IRQ_CFG0 = 0x68, GERROR_IRQ_CFG1 = 0x70, GERROR_IRQ_CFG2 = 0x74;
    public static final int STRTAB_BASE = 0x80, STRTAB_BASE_CFG = 0x88;
    public static final int CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9C;
    public static final int EVENTQ_BASE = 0xA0, EVENTQ_IRQ_CFG0 = 0xB0, EVENTQ_IRQ_CFG1 = 0xB8, EVENTQ_IRQ_CFG2 = 0xBC;
    public static final int PRIQ_IRQ_CFG0 = 0xD0;
    /** Page 1 (base + 64 KiB): where Linux reaches the event queue indexes. */
    public static final int EVENTQ_PROD = 0x100A8, EVENTQ_CONS = 0x100AC;

    public static final int CR0_SMMUEN = 1, CR0_EVENTQEN = 1 << 2, CR0_CMDQEN = 1 << 3;
    /** CR1: queue and table walks inner-shareable, write-back (SH = 3, OC = IC = 1). */
    public static final int CR1_ISH_WB = 3 << 10 | 1 << 8 | 1 << 6 | 3 << 4 | 1 << 2 | 1;
    public static final int CR2_RECINVSID = 1 << 1, CR2_PTM = 1 << 2;
    public static final int GBPA_ABORT = 1 << 20, GBPA_UPDATE = 1 << 31;
    public static final int IRQ_CTRL_GERROR_IRQEN = 1, IRQ_CTRL_EVTQ_IRQEN = 1 << 2;
    public static final int GERROR_CMDQ_ERR = 1, GERROR_EVTQ_ABT_ERR = 1 << 2, GERROR_SFM_ERR = 1 << 8;
    /** GERROR bits Linux's handler looks at (GERROR_ERR_MASK). */
    public static final int GERROR_ERR_MASK = 0x1FD;
    /** *_IRQ_CFG2: Device-nGnRE, what Linux writes for an MSI doorbell. */
    public static final int MEMATTR_DEVICE_NGNRE = 0x1;
    public static final long Q_BASE_RWA = 1L << 62, STRTAB_BASE_RA = 1L << 62;
    public static final int Q_OVERFLOW_FLAG = 1 << 31;
    public static final int CMDQ_CONS_ERR_SHIFT = 24, CMDQ_CONS_ERR_MASK = 0x7F << 24;
    /** CMDQ_CONS.ERR codes (§7.1). */
    public static final int CERROR_NONE = 0, CERROR_ILL = 1, CERROR_ABT = 2, CERROR_ATC_INV_SYNC = 3;

    /** Command opcodes (§4.1.1). */
    public static final int CMD_CFGI_STE = 0x03, CMD_CFGI_STE_RANGE = 0x04, CMD_CFGI_CD = 0x05,
            CMD_TLBI_NH_ALL = 0x10, CMD_TLBI_NH_ASID = 0x11, CMD_TLBI_NH_VA = 0x12, CMD_TLBI_EL2_ALL = 0x20,
            CMD_TLBI_NSNH_ALL = 0x30, CMD_SYNC = 0x46;
    /** CMD_SYNC completion signal CS [13:12]. */
    public static final long SYNC_CS_NONE = 0, SYNC_CS_IRQ = 1L << 12, SYNC_CS_SEV = 2L << 12;
    /** CMD_SYNC MSH = inner shareable, MSIAttr = write-back (ARM_SMMU_MEMATTR_OIWB), as Linux. */
    public static final long SYNC_MSI_ATTRS = 3L << 22 | 0xFL << 24;

    /** STE.Config values (§5.2). */
    public static final int STE_CFG_ABORT = 0b000, STE_CFG_BYPASS = 0b100, STE_CFG_S1_TRANS = 0b101;
    public static final long STE_V = 1;
    public static final int STE_BYTES = 64, CD_BYTES = 64, CMD_BYTES = 16, EVT_BYTES = 32;

    /** io-pgtable-arm's MAIR: index 0 non-cacheable, 1 write-back (what leaves use), 2 device. */
    public static final long MAIR = 0xF404_FF44L;

    private SmmuV3Regs() {
    }

    public static boolean s1p(int idr0) {
        return (idr0 >>> 1 & 1) != 0;
    }

    /** IDR0.TTF: 0b10 AArch64 or 0b11 both. */
    public static boolean aarch64Tables(int idr0) {
        return (idr0 >>> 2 & 2) != 0;
    }

    public static boolean coherent(int idr0) {
        return (idr0 >>> 4 & 1) != 0;
    }

    public static boolean hyp(int idr0) {
        return (idr0 >>> 9 & 1) != 0;
    }

    public static boolean asid16(int idr0) {
        return (idr0 >>> 12 & 1) != 0;
    }

    public static boolean msi(int idr0) {
        return (idr0 >>> 13 & 1) != 0;
    }

    public static boolean pri(int idr0) {
        return (idr0 >>> 16 & 1) != 0;
    }

    /** IDR0.TTENDIAN: mixed (0b00) or little-endian (0b10) tables are usable by a little-endian driver. */
    public static boolean littleEndianTables(int idr0) {
        int e = idr0 >>> 21 & 3;
        return e == 0 || e == 2;
    }

    public static int sidSize(int idr1) {
        return idr1 & 0x3F;
    }

    public static int eventqShift(int idr1) {
        return idr1 >>> 16 & 0x1F;
    }

    public static int cmdqShift(int idr1) {
        return idr1 >>> 21 & 0x1F;
    }

    /** IDR1 TABLES_PRESET, QUEUES_PRESET, REL: fixed or relative bases, which Linux refuses. */
    public static boolean presetOrRelative(int idr1) {
        return (idr1 >>> 28 & 7) != 0;
    }

    /** IDR5.OAS in bits (000 → 32 … 101 → 48, 110 → 52). */
    public static int oasBits(int idr5) {
        int[] bits = {32, 36, 40, 42, 44, 48, 52, 56};
        return bits[idr5 & 7];
    }

    /** The CD.IPS encoding of an address size (§5.4; 48 bits and more → 0b101). */
    public static int ipsCode(int bits) {
        return switch (bits) {
            case 32 -> 0;
            case 36 -> 1;
            case 40 -> 2;
            case 42 -> 3;
            case 44 -> 4;
            default -> 5;
        };
    }

    public static boolean gran4k(int idr5) {
        return (idr5 >>> 4 & 1) != 0;
    }
}
