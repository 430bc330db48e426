package dev.vplat.vfio.platform;

import dev.vplat.iommu.UnitScope;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.machine.Machine;

/**
 * Places IOMMU units named by {@code --iommu} option strings (or by a preset) into a machine:
 * the unit's registers go into the system address space and the PCI host routes the requester
 * IDs of the unit's scope to it, as the ACPI DMAR / IORT tables tell an OS which unit serves
 * which devices.
 */
public final class IommuUnits {
    private IommuUnits() {
    }

    /** Creates the unit {@code text} describes under {@code id} and routes its scope. */
    public static Object place(Machine machine, PciHost pci, DeviceRegistry types, String id, String text) {
        OptionString option = OptionString.parse(text);
        Object unit = types.find(option.type()).create(option);
        UnitScope scope;
        DmaTranslator translator;
        if (unit instanceof VtdUnit vtd) {
            vtd.attach(machine, id);
            scope = vtd.scope();
            translator = vtd;
        } else if (unit instanceof SmmuV3 smmu) {
            smmu.attach(machine, id);
            scope = smmu.scope();
            translator = smmu;
        } else if (unit instanceof MockIommu mock) {
            machine.add(mock.name(), mock);
            scope = mock.scope();
            translator = mock;
            id = mock.name();
        } else {
            throw new ConfigException("'" + option.type() + "' is not an IOMMU unit");
        }
        pci.dmaRouting().claim(id, toDmaScope(scope), translator);
        return unit;
    }

    static DmaScope toDmaScope(UnitScope scope) {
        return scope.isIncludeAll() ? DmaScope.includeAll() : DmaScope.requesters(scope.requesters());
    }
}
