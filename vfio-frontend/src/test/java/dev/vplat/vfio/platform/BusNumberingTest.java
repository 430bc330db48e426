package dev.vplat.vfio.platform;

import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Firmware-style depth-first bus numbering. */
class BusNumberingTest {
    private static List<Integer> numbers(PciBridge b) {
        return List.of(b.primaryBusNumber(), b.secondaryBusNumber(), b.subordinateBusNumber());
    }

    @Test
    void bridgesAreNumberedDepthFirstWithSubordinateCoveringEverythingBelow() {
        Machine machine = new Machine("t", new Trace(16));
        PciHost pci = new PciHost(machine, PciHostOptions.q35());
        PciBridge rp0 = pci.addRootPort("rp0", "04.0");
        PciBridge up = pci.addBridge(PciBridge.Kind.SWITCH_UPSTREAM_PORT, "up", "rp0", "00.0", false);
        PciBridge down0 = pci.addBridge(PciBridge.Kind.SWITCH_DOWNSTREAM_PORT, "down0", "up", "00.0", true);
        PciBridge down1 = pci.addBridge(PciBridge.Kind.SWITCH_DOWNSTREAM_PORT, "down1", "up", "01.0", true);
        PciBridge rp1 = pci.addRootPort("rp1", "05.0");
        machine.add("pci", pci);
        machine.realize();

        assertEquals(5, BusNumbering.assign(pci));
        assertEquals(List.of(0, 1, 4), numbers(rp0));
        assertEquals(List.of(1, 2, 4), numbers(up));
        assertEquals(List.of(2, 3, 3), numbers(down0));
        assertEquals(List.of(2, 4, 4), numbers(down1));
        assertEquals(List.of(0, 5, 5), numbers(rp1));
    }

    @Test
    void aHostWithoutBridgesUsesOnlyBusZero() {
        Machine machine = new Machine("t", new Trace(16));
        PciHost pci = new PciHost(machine, PciHostOptions.q35());
        assertEquals(0, BusNumbering.assign(pci));
    }
}
