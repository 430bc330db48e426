package dev.vplat.vfio.platform;

import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciBus;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.platform.machine.Lifecycle;

/**
 * Host firmware's bus enumeration: walks the PCI host's bridges depth first in devfn order and
 * programs each one's Primary, Secondary and Subordinate Bus Number through config writes, as
 * firmware (and Linux's pci_scan_bridge when it renumbers) does — the secondary bus is the next
 * free number, the subordinate bus is first opened to 0xFF so the walk below can reach deeper
 * buses, then closed to the highest number found below the bridge.
 *
 * <p>As a machine component added after the PCI host it runs on every system reset, after the
 * host has reset the bridges' bus numbers to 0, so devices behind bridges always have the same
 * requester IDs when the host stack boots.
 */
public final class BusNumbering implements Lifecycle {
    private static final int PRIMARY_BUS = 0x18, SECONDARY_BUS = 0x19, SUBORDINATE_BUS = 0x1A;
    private static final int MAX_BUS = 0xFF;

    private final PciHost host;

    public BusNumbering(PciHost host) {
        this.host = host;
    }

    @Override
    public void reset() {
        assign(host);
    }

    /**
     * Numbers every bus below the host's root bus (bus 0).
     *
     * @return the highest bus number assigned (0 when there is no bridge)
     * @throws IllegalStateException when the hierarchy needs more than 256 buses
     */
    public static int assign(PciHost host) {
        return number(host.rootBus(), 0, 0);
    }

    private static int number(PciBus bus, int busNumber, int lastUsed) {
        int last = lastUsed;
        for (PciFunction f : bus.functions()) {
            if (f instanceof PciBridge b) {
                if (last == MAX_BUS) {
                    throw new IllegalStateException("no bus number left for the bridge " + b.id());
                }
                int secondary = last + 1;
                b.configWrite(PRIMARY_BUS, 1, busNumber);
                b.configWrite(SECONDARY_BUS, 1, secondary);
                b.configWrite(SUBORDINATE_BUS, 1, MAX_BUS);
                last = number(b.secondaryBus(), secondary, secondary);
                b.configWrite(SUBORDINATE_BUS, 1, last);
            }
        }
        return last;
    }
}
