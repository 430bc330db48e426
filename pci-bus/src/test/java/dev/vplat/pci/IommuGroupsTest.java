package dev.vplat.pci;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class IommuGroupsTest {
    private static PciGroup groupOf(Bench b, PciFunction f) {
        return b.host.groups().stream().filter(g -> g.contains(f)).findFirst().orElseThrow();
    }

    private static List<String> ids(PciGroup g) {
        return g.functions().stream().map(PciFunction::id).toList();
    }

    @Test
    void singleFunctionRootBusDevicesEachGetTheirOwnGroup() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        PciFunction dt = b.plug("dt", "dmatest,addr=04.0");
        assertEquals(List.of("edu"), ids(groupOf(b, edu)));
        assertEquals(List.of("dt"), ids(groupOf(b, dt)));
        assertEquals(3, b.host.groups().size(), "host bridge, edu, dmatest");
    }

    @Test
    void r1EverythingBehindAPcieToPciBridgeSharesTheBridgesGroup() {
        Bench b = new Bench();
        b.host.addBridge(PciBridge.Kind.PCIE_TO_PCI_BRIDGE, "br", "", "06.0", false);
        PciFunction a = b.plug("a", "edu,bus=br,addr=01.0");
        b.plug("c", "edu,bus=br,addr=02.0");
        assertEquals(List.of("br", "a", "c"), ids(groupOf(b, a)));
    }

    @Test
    void r2EndpointBelowRootPortWithAcsEnabledIsIsolated() {
        Bench b = new Bench();
        b.host.addRootPort("rp", "04.0");
        PciFunction ep = b.plug("ep", "dmatest,bus=rp,addr=0");
        b.host.enableAcs();
        assertEquals(List.of("ep"), ids(groupOf(b, ep)));
    }

    @Test
    void r3EndpointBelowRootPortWithoutAcsJoinsThePort() {
        Bench b = new Bench();
        b.host.addBridge(PciBridge.Kind.ROOT_PORT, "rp", "", "04.0", false);
        PciFunction ep = b.plug("ep", "dmatest,bus=rp,addr=0");
        b.host.enableAcs();
        assertEquals(List.of("rp", "ep"), ids(groupOf(b, ep)));
    }

    @Test
    void acsCapabilityPresentButNotEnabledDoesNotIsolate() {
        Bench b = new Bench();
        b.host.addRootPort("rp", "04.0");
        PciFunction ep = b.plug("ep", "dmatest,bus=rp,addr=0");
        assertEquals(List.of("rp", "ep"), ids(groupOf(b, ep)));
    }

    @Test
    void r4MultifunctionSlotWithoutAcsSharesOneGroup() {
        Bench b = new Bench();
        PciFunction f0 = b.plug("f0", "dmatest,addr=05.0");
        PciFunction f1 = b.plug("f1", "dmatest,addr=05.1");
        b.host.enableAcs();
        assertEquals(List.of("f0", "f1"), ids(groupOf(b, f1)));
        assertEquals(groupOf(b, f0), groupOf(b, f1));
    }

    @Test
    void r4MultifunctionFunctionsWithAcsEnabledAreSeparate() {
        Bench b = new Bench();
        PciFunction f0 = b.plug("f0", "dmatest,addr=05.0,acs=on");
        PciFunction f1 = b.plug("f1", "dmatest,addr=05.1,acs=on");
        b.host.enableAcs();
        assertNotEquals(groupOf(b, f0).id(), groupOf(b, f1).id());
    }

    @Test
    void switchWithAcsOnEveryDownstreamPortIsolatesEachEndpoint() {
        Bench b = new Bench();
        b.host.addRootPort("rp", "04.0");
        b.host.addBridge(PciBridge.Kind.SWITCH_UPSTREAM_PORT, "up", "rp", "0", false);
        b.host.addBridge(PciBridge.Kind.SWITCH_DOWNSTREAM_PORT, "d0", "up", "0", true);
        b.host.addBridge(PciBridge.Kind.SWITCH_DOWNSTREAM_PORT, "d1", "up", "1", true);
        PciFunction e0 = b.plug("e0", "dmatest,bus=d0,addr=0");
        PciFunction e1 = b.plug("e1", "dmatest,bus=d1,addr=0");
        b.host.enableAcs();
        assertEquals(List.of("e0"), ids(groupOf(b, e0)));
        assertEquals(List.of("e1"), ids(groupOf(b, e1)));
    }

    @Test
    void switchDownstreamPortsWithoutAcsPutTheirEndpointsWithThePort() {
        Bench b = new Bench();
        b.host.addRootPort("rp", "04.0");
        b.host.addBridge(PciBridge.Kind.SWITCH_UPSTREAM_PORT, "up", "rp", "0", false);
        b.host.addBridge(PciBridge.Kind.SWITCH_DOWNSTREAM_PORT, "d0", "up", "0", false);
        PciFunction e0 = b.plug("e0", "dmatest,bus=d0,addr=0");
        b.host.enableAcs();
        assertEquals(List.of("d0", "e0"), ids(groupOf(b, e0)));
    }
}
