package dev.vplat.guest.pci;

/**
 * Configuration-space offsets, bits and capability IDs a driver needs (PCI Local Bus 3.0 §6,
 * PCI-to-PCI Bridge 1.2 §3.2, PCI Express Base 6.0 §7; Linux include/uapi/linux/pci_regs.h
 * uses the same names).
 */
public final class PciRegs {
    public static final int VENDOR_ID = 0x00, DEVICE_ID = 0x02, COMMAND = 0x04, STATUS = 0x06,
            REVISION_ID = 0x08, CLASS_PROG = 0x09, HEADER_TYPE = 0x0e, BASE_ADDRESS_0 = 0x10,
            SUBSYSTEM_VENDOR_ID = 0x2c, ROM_ADDRESS = 0x30, CAPABILITY_LIST = 0x34, INTERRUPT_LINE = 0x3c,
            INTERRUPT_PIN = 0x3d;

    /** Type 1 (bridge) header. */
    public static final int PRIMARY_BUS = 0x18, SECONDARY_BUS = 0x19, SUBORDINATE_BUS = 0x1a, IO_BASE = 0x1c,
            IO_LIMIT = 0x1d, MEMORY_BASE = 0x20, MEMORY_LIMIT = 0x22, PREF_MEMORY_BASE = 0x24,
            PREF_MEMORY_LIMIT = 0x26, PREF_BASE_UPPER32 = 0x28, PREF_LIMIT_UPPER32 = 0x2c, IO_BASE_UPPER16 = 0x30,
            IO_LIMIT_UPPER16 = 0x32, BRIDGE_ROM_ADDRESS = 0x38, BRIDGE_CONTROL = 0x3e;

    public static final int COMMAND_IO = 1, COMMAND_MEMORY = 1 << 1, COMMAND_MASTER = 1 << 2,
            COMMAND_INTX_DISABLE = 1 << 10;
    public static final int STATUS_CAP_LIST = 1 << 4, STATUS_INTERRUPT = 1 << 3;

    public static final int HEADER_TYPE_MASK = 0x7f, HEADER_TYPE_NORMAL = 0, HEADER_TYPE_BRIDGE = 1,
            HEADER_TYPE_MULTIFUNCTION = 0x80;

    public static final int BAR_SPACE_IO = 1, BAR_MEM_TYPE_64 = 0x4, BAR_MEM_PREFETCH = 0x8;

    /** Capability IDs (PCI Code and ID Assignment §2). */
    public static final int CAP_ID_PM = 0x01, CAP_ID_MSI = 0x05, CAP_ID_VNDR = 0x09, CAP_ID_EXP = 0x10,
            CAP_ID_MSIX = 0x11;
    /** Extended capability IDs (PCIe §7.6 onwards). */
    public static final int EXT_CAP_ID_ERR = 0x01, EXT_CAP_ID_ACS = 0x0d, EXT_CAP_ID_ATS = 0x0f,
            EXT_CAP_ID_SRIOV = 0x10, EXT_CAP_ID_PRI = 0x13, EXT_CAP_ID_PASID = 0x1b;
    /** Extended capabilities start here and live only in ECAM-reachable space. */
    public static final int EXT_CAP_START = 0x100;

    /** MSI capability (PCI 3.0 §6.8.1): Message Control at +2 and its fields. */
    public static final int MSI_FLAGS = 2, MSI_ADDRESS_LO = 4, MSI_ADDRESS_HI = 8, MSI_DATA_32 = 8, MSI_DATA_64 = 12,
            MSI_MASK_32 = 12, MSI_MASK_64 = 16;
    public static final int MSI_FLAGS_ENABLE = 1, MSI_FLAGS_QMASK = 0x0e, MSI_FLAGS_QSIZE = 0x70,
            MSI_FLAGS_64BIT = 0x80, MSI_FLAGS_MASKBIT = 0x100;

    /** MSI-X capability (PCI 3.0 §6.8.2). */
    public static final int MSIX_FLAGS = 2, MSIX_TABLE = 4, MSIX_PBA = 8;
    public static final int MSIX_FLAGS_QSIZE = 0x7ff, MSIX_FLAGS_MASKALL = 1 << 14, MSIX_FLAGS_ENABLE = 1 << 15;
    public static final int MSIX_BIR_MASK = 0x7, MSIX_ENTRY_SIZE = 16, MSIX_ENTRY_LOWER_ADDR = 0,
            MSIX_ENTRY_UPPER_ADDR = 4, MSIX_ENTRY_DATA = 8, MSIX_ENTRY_VECTOR_CTRL = 12, MSIX_ENTRY_CTRL_MASKBIT = 1;

    /** The x86 interrupt window: an MSI address is 0xFEE0_0000 | destination APIC ID << 12. */
    public static final long X86_MSI_ADDRESS_BASE = 0xFEE0_0000L;

    private PciRegs() {
    }
}
