package dev.vplat.vfio.platform;

import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciBus;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;

import java.util.Comparator;
import java.util.List;

/**
 * Host firmware's bus numbering: walks the bridges depth-first in devfn order and programs
 * their primary, secondary and subordinate bus numbers through configuration writes, as
 * SeaBIOS and Linux's pci_scan_bridge do when nothing assigned them. A host-owned IOMMU indexes
 * its context tables by requester ID, so the host stack needs stable bus numbers before it
 * boots; a guest may still renumber later, as it could on real hardware.
 */
public final class BusNumbering {
    private static final int PRIMARY_BUS = 0x18;
    private static final int SECONDARY_BUS = 0x19;
    private static final int SUBORDINATE_BUS = 0x1A;

    private BusNumbering() {
    }

    /** Numbers every bus below the root bus; returns the highest bus number assigned. */
    public static int assign(PciHost host) {
        return number(host.rootBus(), host.rootBus().number());
    }

    private static int number(PciBus bus, int last) {
        List<PciFunction> functions = bus.functions().stream()
                .sorted(Comparator.comparingInt(PciFunction::devfn)).toList();
        for (PciFunction f : functions) {
            if (f instanceof PciBridge bridge && last < 0xFF) {
                int secondary = last + 1;
                bridge.configWrite(PRIMARY_BUS, 1, bus.number());
                bridge.configWrite(SECONDARY_BUS, 1, secondary);
                bridge.configWrite(SUBORDINATE_BUS, 1, 0xFF);
                last = number(bridge.secondaryBus(), secondary);
                bridge.configWrite(SUBORDINATE_BUS, 1, last);
            }
        }
        return last;
    }
}
