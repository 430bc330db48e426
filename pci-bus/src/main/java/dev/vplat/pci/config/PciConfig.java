package dev.vplat.pci.config;

/**
 * Register offsets, bits and capability IDs of PCI configuration space, named as in the PCI
 * Local Bus spec 3.0 §6 / PCIe Base spec §7 and Linux's include/uapi/linux/pci_regs.h.
 */
public final class PciConfig {
    private PciConfig() {
    }

    public static final int VENDOR_ID = 0x00;
    public static final int DEVICE_ID = 0x02;
    public static final int COMMAND = 0x04;
    public static final int STATUS = 0x06;
    public static final int REVISION_ID = 0x08;
    public static final int CLASS_PROG = 0x09;
    public static final int CACHE_LINE_SIZE = 0x0C;
    public static final int LATENCY_TIMER = 0x0D;
    public static final int HEADER_TYPE = 0x0E;
    public static final int BAR0 = 0x10;
    public static final int SUBSYSTEM_VENDOR_ID = 0x2C;
    public static final int SUBSYSTEM_ID = 0x2E;
    public static final int ROM_ADDRESS = 0x30;
    public static final int CAPABILITY_LIST = 0x34;
    public static final int INTERRUPT_LINE = 0x3C;
    public static final int INTERRUPT_PIN = 0x3D;

    /* Type 1 (bridge) header. */
    public static final int PRIMARY_BUS = 0x18;
    public static final int SECONDARY_BUS = 0x19;
    public static final int SUBORDINATE_BUS = 0x1A;
    public static final int SEC_LATENCY_TIMER = 0x1B;
    public static final int IO_BASE = 0x1C;
    public static final int IO_LIMIT = 0x1D;
    public static final int SEC_STATUS = 0x1E;
    public static final int MEMORY_BASE = 0x20;
    public static final int MEMORY_LIMIT = 0x22;
    public static final int PREF_MEMORY_BASE = 0x24;
    public static final int PREF_MEMORY_LIMIT = 0x26;
    public static final int PREF_BASE_UPPER32 = 0x28;
    public static final int PREF_LIMIT_UPPER32 = 0x2C;
    public static final int IO_BASE_UPPER16 = 0x30;
    public static final int IO_LIMIT_UPPER16 = 0x32;
    public static final int ROM_ADDRESS1 = 0x38;
    public static final int BRIDGE_CONTROL = 0x3E;
    public static final int BRIDGE_CTL_BUS_RESET = 0x40;

    public static final int COMMAND_IO = 0x1;
    public static final int COMMAND_MEMORY = 0x2;
    public static final int COMMAND_MASTER = 0x4;
    public static final int COMMAND_SPECIAL = 0x8;
    public static final int COMMAND_INVALIDATE = 0x10;
    public static final int COMMAND_VGA_PALETTE = 0x20;
    public static final int COMMAND_PARITY = 0x40;
    public static final int COMMAND_SERR = 0x100;
    public static final int COMMAND_FAST_BACK = 0x200;
    public static final int COMMAND_INTX_DISABLE = 0x400;

    public static final int STATUS_INTERRUPT = 0x8;
    public static final int STATUS_CAP_LIST = 0x10;
    public static final int STATUS_66MHZ = 0x20;
    public static final int STATUS_FAST_BACK = 0x80;
    public static final int STATUS_PARITY = 0x100;
    public static final int STATUS_SIG_TARGET_ABORT = 0x800;
    public static final int STATUS_REC_TARGET_ABORT = 0x1000;
    public static final int STATUS_REC_MASTER_ABORT = 0x2000;
    public static final int STATUS_SIG_SYSTEM_ERROR = 0x4000;
    public static final int STATUS_DETECTED_PARITY = 0x8000;
    /** The error bits software clears by writing ones. */
    public static final int STATUS_W1C = STATUS_PARITY | STATUS_SIG_TARGET_ABORT | STATUS_REC_TARGET_ABORT
            | STATUS_REC_MASTER_ABORT | STATUS_SIG_SYSTEM_ERROR | STATUS_DETECTED_PARITY;

    public static final int HEADER_TYPE_NORMAL = 0;
    public static final int HEADER_TYPE_BRIDGE = 1;
    public static final int HEADER_TYPE_MULTIFUNCTION = 0x80;

    public static final int BAR_SPACE_IO = 0x1;
    public static final int BAR_MEM_TYPE_64 = 0x4;
    public static final int BAR_MEM_PREFETCH = 0x8;
    public static final int ROM_ENABLE = 0x1;

    /* Standard capability IDs (PCI Code and ID Assignment spec). */
    public static final int CAP_ID_PM = 0x01;
    public static final int CAP_ID_MSI = 0x05;
    public static final int CAP_ID_EXP = 0x10;
    public static final int CAP_ID_MSIX = 0x11;
    public static final int CAP_ID_VNDR = 0x09;
    public static final int EXT_CAP_ID_VNDR = 0x000B;

    /* Extended capability IDs. */
    public static final int EXT_CAP_ID_ACS = 0x000D;
    public static final int EXT_CAP_ID_ATS = 0x000F;
    public static final int EXT_CAP_ID_PRI = 0x0013;
    public static final int EXT_CAP_ID_PASID = 0x001B;

    /* MSI capability (PCI spec §6.8.1). */
    public static final int MSI_FLAGS = 2;
    public static final int MSI_FLAGS_ENABLE = 0x1;
    public static final int MSI_FLAGS_QMASK = 0xE;
    public static final int MSI_FLAGS_QSIZE = 0x70;
    public static final int MSI_FLAGS_64BIT = 0x80;
    public static final int MSI_FLAGS_MASKBIT = 0x100;
    public static final int MSI_ADDRESS_LO = 4;

    /* MSI-X capability (PCI spec §6.8.2). */
    public static final int MSIX_FLAGS = 2;
    public static final int MSIX_FLAGS_QSIZE = 0x7FF;
    public static final int MSIX_FLAGS_MASKALL = 0x4000;
    public static final int MSIX_FLAGS_ENABLE = 0x8000;
    public static final int MSIX_TABLE = 4;
    public static final int MSIX_PBA = 8;
    public static final int MSIX_ENTRY_SIZE = 16;
    public static final int MSIX_ENTRY_CTRL_MASKBIT = 0x1;

    /* PCI Express capability (PCIe Base spec §7.5.3). */
    public static final int EXP_FLAGS = 0x02;
    public static final int EXP_FLAGS_SLOT = 0x100;
    public static final int EXP_DEVCAP = 0x04;
    public static final int EXP_DEVCAP_FLR = 1 << 28;
    public static final int EXP_DEVCTL = 0x08;
    public static final int EXP_DEVCTL_BCR_FLR = 0x8000;
    public static final int EXP_DEVSTA = 0x0A;
    public static final int EXP_LNKCAP = 0x0C;
    public static final int EXP_LNKCTL = 0x10;
    public static final int EXP_LNKSTA = 0x12;
    public static final int EXP_SLTCAP = 0x14;
    public static final int EXP_SLTCTL = 0x18;
    public static final int EXP_SLTSTA = 0x1A;
    public static final int EXP_DEVCAP2 = 0x24;
    public static final int EXP_DEVCTL2 = 0x28;
    public static final int EXP_LNKCAP2 = 0x2C;
    public static final int EXP_LNKCTL2 = 0x30;
    public static final int EXP_CAP_SIZE = 0x3C;

    /* Power management (PCI PM spec 1.2 §3.2). */
    public static final int PM_PMC = 2;
    public static final int PM_CTRL = 4;
    public static final int PM_CTRL_STATE_MASK = 0x3;
    public static final int PM_CTRL_NO_SOFT_RESET = 0x8;
    public static final int PM_CTRL_PME_STATUS = 0x8000;

    /* ACS (PCIe Base spec §7.7.11): capability at +4, control at +6. */
    public static final int ACS_CAP = 4;
    public static final int ACS_CTRL = 6;
    public static final int ACS_SV = 0x01;
    public static final int ACS_TB = 0x02;
    public static final int ACS_RR = 0x04;
    public static final int ACS_CR = 0x08;
    public static final int ACS_UF = 0x10;
    public static final int ACS_EC = 0x20;
    public static final int ACS_DT = 0x40;

    /* ATS (PCIe Base spec §10.5.1). */
    public static final int ATS_CAP = 4;
    public static final int ATS_CTRL = 6;
    public static final int ATS_CTRL_ENABLE = 0x8000;

    /* PASID (PCIe Base spec §7.8.8). */
    public static final int PASID_CAP = 4;
    public static final int PASID_CTRL = 6;
    public static final int PASID_CTRL_ENABLE = 0x1;

    /* PRI (PCIe Base spec §10.5.2). */
    public static final int PRI_CTRL = 4;
    public static final int PRI_CTRL_ENABLE = 0x1;
    public static final int PRI_CTRL_RESET = 0x2;
    public static final int PRI_STATUS = 6;
    public static final int PRI_STATUS_STOPPED = 0x100;
    public static final int PRI_MAX_REQ = 8;
    public static final int PRI_ALLOC_REQ = 0xC;

    /** Header layout (0 normal, 1 bridge, 2 CardBus) from the Header Type register. */
    public static int headerType(int headerTypeRegister) {
        return headerTypeRegister & 0x7F;
    }
}
