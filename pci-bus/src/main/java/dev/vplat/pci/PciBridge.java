package dev.vplat.pci;

import dev.vplat.pci.config.ConfigSpace;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PcieType;
import dev.vplat.platform.device.PropertyValues;

/**
 * A PCI-to-PCI bridge function with a type 1 header (PCI-to-PCI Bridge spec 1.2 §3.2): a PCIe
 * root port, switch upstream or downstream port, or a PCIe-to-PCI bridge. Configuration
 * requests are routed by the programmed Secondary/Subordinate Bus Numbers, as real bridges do.
 * The I/O and memory windows are plain registers: this model forwards every address in both
 * directions regardless of them (a documented simplification), and does not gate forwarding on
 * the bridge's own Command register.
 */
public final class PciBridge extends PciFunction {
    /** The bridge flavours, with the identities QEMU gives its models of them. */
    public enum Kind {
        ROOT_PORT("pcie-root-port", 0x1B36, 0x000C, 0, PcieType.ROOT_PORT),
        SWITCH_UPSTREAM_PORT("x3130-upstream", 0x104C, 0x8232, 2, PcieType.UPSTREAM_PORT),
        SWITCH_DOWNSTREAM_PORT("xio3130-downstream", 0x104C, 0x8233, 1, PcieType.DOWNSTREAM_PORT),
        PCIE_TO_PCI_BRIDGE("pcie-pci-bridge", 0x1B36, 0x000E, 0, PcieType.PCIE_TO_PCI_BRIDGE);

        private final String typeName;
        private final int vendorId;
        private final int deviceId;
        private final int revision;
        private final PcieType pcieType;

        Kind(String typeName, int vendorId, int deviceId, int revision, PcieType pcieType) {
            this.typeName = typeName;
            this.vendorId = vendorId;
            this.deviceId = deviceId;
            this.revision = revision;
            this.pcieType = pcieType;
        }

        public String typeName() {
            return typeName;
        }

        public PcieType pcieType() {
            return pcieType;
        }

        /** Whether the secondary side is a PCIe link (device 0 only). */
        public boolean link() {
            return pcieType.downstreamPort();
        }
    }

    private final Kind kind;
    private final PciBus secondary;
    private boolean inBusReset;

    PciBridge(PciHost host, PciBus bus, int devfn, String id, Kind kind, boolean acs, PropertyValues properties) {
        super(host, bus, devfn, id, kind.typeName(), new BridgeModel(kind, acs), properties, PciConfig.HEADER_TYPE_BRIDGE);
        this.kind = kind;
        this.secondary = new PciBus(this);
        layoutBridgeRegisters(configSpace());
    }

    /** The bridge has no behaviour beyond its header and capabilities. */
    private record BridgeModel(Kind kind, boolean acs) implements PciDevice {
        @Override
        public FunctionSpec realize(DeviceContext context) {
            FunctionSpec.Builder b = FunctionSpec.builder(kind.vendorId, kind.deviceId)
                    .revision(kind.revision).classCode(0x060400).pcie(kind.pcieType, false);
            if (acs && kind != Kind.PCIE_TO_PCI_BRIDGE) {
                b.acs(PciConfig.ACS_SV | PciConfig.ACS_TB | PciConfig.ACS_RR | PciConfig.ACS_CR | PciConfig.ACS_UF);
            }
            return b.build();
        }
    }

    private static void layoutBridgeRegisters(ConfigSpace cfg) {
        cfg.rw(PciConfig.PRIMARY_BUS, 4, 0xFFFF_FFFFL);
        cfg.set16(PciConfig.IO_BASE, 0x0101);
        cfg.rw(PciConfig.IO_BASE, 2, 0xF0F0);
        cfg.w1c(PciConfig.SEC_STATUS, 2, PciConfig.STATUS_W1C);
        cfg.rw(PciConfig.MEMORY_BASE, 4, 0xFFF0_FFF0L);
        cfg.set32(PciConfig.PREF_MEMORY_BASE, 0x0001_0001L);
        cfg.rw(PciConfig.PREF_MEMORY_BASE, 4, 0xFFF0_FFF0L);
        cfg.rw(PciConfig.PREF_BASE_UPPER32, 4, 0xFFFF_FFFFL);
        cfg.rw(PciConfig.PREF_LIMIT_UPPER32, 4, 0xFFFF_FFFFL);
        cfg.rw(PciConfig.IO_BASE_UPPER16, 4, 0xFFFF_FFFFL);
        cfg.rw(PciConfig.BRIDGE_CONTROL, 2, 0x0FFF);
        cfg.snapshotReset();
    }

    public Kind kind() {
        return kind;
    }

    /** The bus on the bridge's secondary side. */
    public PciBus secondaryBus() {
        return secondary;
    }

    public int primaryBusNumber() {
        return configSpace().get8(PciConfig.PRIMARY_BUS);
    }

    public int secondaryBusNumber() {
        return configSpace().get8(PciConfig.SECONDARY_BUS);
    }

    public int subordinateBusNumber() {
        return configSpace().get8(PciConfig.SUBORDINATE_BUS);
    }

    /** Whether a type 1 request for {@code busNumber} is forwarded: secondary &lt; = bus &lt; = subordinate, secondary programmed. */
    boolean claims(int busNumber) {
        int sec = secondaryBusNumber();
        return sec != 0 && busNumber >= sec && busNumber <= subordinateBusNumber();
    }

    @Override
    void afterConfigWrite(int offset, int size) {
        super.afterConfigWrite(offset, size);
        if (overlaps(offset, size, PciConfig.BRIDGE_CONTROL, 2)) {
            boolean reset = (configSpace().get16(PciConfig.BRIDGE_CONTROL) & PciConfig.BRIDGE_CTL_BUS_RESET) != 0;
            if (reset && !inBusReset) {
                resetBelow(secondary);
            }
            inBusReset = reset;
        }
    }

    /** Secondary Bus Reset (PCI-to-PCI Bridge spec §3.2.5.17): every function below is reset. */
    private static void resetBelow(PciBus bus) {
        for (PciFunction f : bus.functions()) {
            f.resetFunction();
            if (f instanceof PciBridge b) {
                resetBelow(b.secondaryBus());
            }
        }
    }

    @Override
    void resetFunction() {
        super.resetFunction();
        inBusReset = false;
    }
}
