package dev.vplat.pci.q35;

import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.machine.Machine;

/**
 * The reference q35 PCI layout the x86 machine preset uses (docs/devices/pci.md), firmware-less:
 * <pre>
 * 00:00.0 host bridge 8086:29c0
 * 00:03.0 edu
 * 00:04.0 pcie-root-port "rp0" (ACS)      -> (secondary bus) 00.0 dmatest "dmatest0"
 * 00:05.0 dmatest "mf0" (multifunction, no ACS)
 * 00:05.1 dmatest "mf1"
 * 00:06.0 pcie-pci-bridge "pcibr0"        -> (secondary bus) 01.0 edu "edu1"
 * </pre>
 * Bus numbers behind 04.0 and 06.0 are whatever the guest programs.
 */
public final class Q35PciTopology {
    private Q35PciTopology() {
    }

    /** Builds the layout on {@code machine} (ECAM at 0xB0000000, CF8/CFC) and registers the host as "pci". */
    public static PciHost build(Machine machine, DeviceRegistry registry) {
        PciHost host = new PciHost(machine, PciHostOptions.q35());
        plug(host, registry, "edu", "edu,addr=03.0");
        host.addRootPort("rp0", "04.0");
        plug(host, registry, "dmatest0", "dmatest,bus=rp0,addr=00.0");
        plug(host, registry, "mf0", "dmatest,addr=05.0");
        plug(host, registry, "mf1", "dmatest,addr=05.1");
        host.addBridge(PciBridge.Kind.PCIE_TO_PCI_BRIDGE, "pcibr0", "", "06.0", false);
        plug(host, registry, "edu1", "edu,bus=pcibr0,addr=01.0");
        machine.add("pci", host);
        return host;
    }

    /** Plugs a {@code --device TYPE,prop=value} string under {@code id}. */
    public static void plug(PciHost host, DeviceRegistry registry, String id, String options) {
        OptionString o = OptionString.parse(options);
        PciPlug plug = registry.find(o.type(), PciPlug.class).create(o);
        host.plug(plug, id);
    }
}
