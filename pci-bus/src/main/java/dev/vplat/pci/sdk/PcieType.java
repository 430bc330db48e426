package dev.vplat.pci.sdk;

/** Device/Port Type of the PCI Express Capabilities register (PCIe Base spec §7.5.3.2). */
public enum PcieType {
    ENDPOINT(0x0),
    LEGACY_ENDPOINT(0x1),
    ROOT_PORT(0x4),
    UPSTREAM_PORT(0x5),
    DOWNSTREAM_PORT(0x6),
    PCIE_TO_PCI_BRIDGE(0x7),
    PCI_TO_PCIE_BRIDGE(0x8),
    RC_INTEGRATED_ENDPOINT(0x9),
    RC_EVENT_COLLECTOR(0xA);

    private final int code;

    PcieType(int code) {
        this.code = code;
    }

    /** The 4-bit encoding in bits 7:4 of the PCI Express Capabilities register. */
    public int code() {
        return code;
    }

    /** The type with 4-bit encoding {@code code}; reserved encodings are refused. */
    public static PcieType fromCode(int code) {
        for (PcieType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("reserved PCIe device/port type " + code);
    }

    /** Whether this is a port whose secondary side is a PCIe link (only device 0 behind it). */
    public boolean downstreamPort() {
        return this == ROOT_PORT || this == DOWNSTREAM_PORT;
    }

    /** Whether this is an endpoint (PCIe, legacy or root-complex integrated) rather than a port or bridge. */
    public boolean endpoint() {
        return this == ENDPOINT || this == LEGACY_ENDPOINT || this == RC_INTEGRATED_ENDPOINT;
    }
}
