package dev.vplat.guest.suites;

import dev.vplat.guest.pci.Bar;
import dev.vplat.guest.pci.PciDev;
import dev.vplat.guest.pci.ResourceAllocator;

/**
 * Where the suites put BARs nobody assigned: each root-bus function gets its own fixed 2 MiB
 * memory slot (by devfn) in a window of the machine's PCI memory space, and 64 ports of I/O, so
 * rigs of successive tests on one server always agree on where a device's BARs are.
 */
final class BarSlots {
    private static final long SLOT = 2L << 20;
    private static final int IO_BASE = 0xD000, IO_SLOT = 0x40;

    private BarSlots() {
    }

    /** Probes {@code dev}'s BARs and places every unassigned one in its slot of {@code window}. */
    static PciDev place(PciDev dev, long window) {
        int devfn = dev.bdf().devfn();
        long slot = window + SLOT * devfn;
        ResourceAllocator bars = new ResourceAllocator(slot, slot + SLOT - 1, IO_BASE + IO_SLOT * devfn,
                IO_BASE + IO_SLOT * devfn + IO_SLOT - 1);
        for (Bar b : dev.probeBars()) {
            if (b.address() == 0) {
                dev.mapBar(b.index(), bars);
            }
        }
        return dev;
    }
}
