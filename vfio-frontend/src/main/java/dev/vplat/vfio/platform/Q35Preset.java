package dev.vplat.vfio.platform;

import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.pci.q35.Q35PciTopology;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.machine.Machine;
import dev.vplat.vfio.plugin.PciDevicePlugger;

import java.util.List;

/**
 * The x86 {@code q35} machine (docs/machines.md): the q35 PCI layout of docs/devices/pci.md plus
 * a DMA test device at 00:07.0, and — unless the command line names its own IOMMUs — two VT-d
 * units, the way servers carry several DMAR units with different device scopes:
 * <ul>
 * <li>{@code dmar0} at 0xFED90000 (QEMU's intel-iommu address), owner {@code guest}, scope
 *     00:03.0 (edu) and 00:07.0 (dmatest): a raw unit at reset state for a guest driver under test;
 * <li>{@code dmar1} at 0xFED91000, owner {@code host}, every other requester: managed by the host
 *     stack, so its devices serve the DMA-ownership, iommufd and VFIO flows.
 * </ul>
 * With {@code --no-defaults} the machine holds the host bridge and what the command line names.
 */
final class Q35Preset {
    static final String GUEST_UNIT = "intel-iommu,owner=guest,scope=00:03.0+00:07.0,base=0xfed90000";
    static final String HOST_UNIT = "intel-iommu,owner=host,scope=all,base=0xfed91000";

    private Q35Preset() {
    }

    static PciHost build(Machine machine, DeviceRegistry types, PlatformConfig config) {
        PciHost pci;
        if (config.noDefaults()) {
            pci = new PciHost(machine, PciHostOptions.q35());
            machine.add("pci", pci);
        } else {
            pci = Q35PciTopology.build(machine, types);
            new PciDevicePlugger(types).plug(pci, "dmatest,id=dmatest-g,addr=07.0");
        }
        new PciDevicePlugger(types).plugAll(pci, config.devices());
        List<String> iommus = config.iommus();
        if (iommus.isEmpty() && !config.noDefaults()) {
            iommus = List.of(GUEST_UNIT, HOST_UNIT);
        }
        for (int i = 0; i < iommus.size(); i++) {
            IommuUnits.place(machine, pci, types, unitId(iommus.get(i), i), iommus.get(i));
        }
        machine.add("firmware-bus-numbering", new BusNumbering(pci));
        return pci;
    }

    /** VT-d units are {@code dmarN} as Linux names them; other kinds keep their type's own naming. */
    private static String unitId(String text, int index) {
        String type = OptionString.parse(text).type();
        return type.equals("intel-iommu") ? "dmar" + index : type.replace("-", "") + index;
    }
}
