package dev.vplat.pci.q35;

import dev.vplat.pci.Bench;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciGroup;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Q35PciTopologyTest {
    @Test
    void rootBusHoldsTheDocumentedFunctions() {
        Bench b = Bench.q35();
        assertEquals(0x29C0_8086L, b.ecamRead(0, 0, 0, 0, 4));
        assertEquals(0x11E8_1234L, b.ecamRead(0, 3, 0, 0, 4));
        assertEquals(0x000C_1B36L, b.ecamRead(0, 4, 0, 0, 4));
        assertEquals(0xDA7A_1234L, b.ecamRead(0, 5, 0, 0, 4));
        assertEquals(0xDA7A_1234L, b.ecamRead(0, 5, 1, 0, 4));
        assertEquals(0x000E_1B36L, b.ecamRead(0, 6, 0, 0, 4));
    }

    @Test
    void firmwareLessGuestFindsBothBridgedDevicesAfterNumbering() {
        Bench b = Bench.q35();
        assertEquals(0xFFFF_FFFFL, b.ecamRead(1, 0, 0, 0, 4));
        b.ecamWrite(0, 4, 0, 0x18, 4, 0x01_01_00);
        b.ecamWrite(0, 6, 0, 0x18, 4, 0x02_02_00);
        assertEquals(0xDA7A_1234L, b.ecamRead(1, 0, 0, 0, 4));
        assertEquals(0x11E8_1234L, b.ecamRead(2, 1, 0, 0, 4));
    }

    @Test
    void groupsMatchTheDocumentedLayout() {
        Bench b = Bench.q35();
        b.busNumbers((PciBridge) b.host.function("rp0"), 0, 1, 1);
        b.busNumbers((PciBridge) b.host.function("pcibr0"), 0, 2, 2);
        b.host.enableAcs();
        List<List<String>> groups = b.host.groups().stream()
                .map(g -> g.functions().stream().map(PciFunction::id).toList()).toList();
        assertEquals(List.of(List.of("host-bridge"), List.of("edu"), List.of("rp0"), List.of("dmatest0"),
                List.of("mf0", "mf1"), List.of("pcibr0", "edu1")), groups);
        PciGroup last = b.host.groups().get(5);
        assertEquals(5, last.id());
    }
}
