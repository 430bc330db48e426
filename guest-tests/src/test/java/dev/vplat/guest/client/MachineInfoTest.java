package dev.vplat.guest.client;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MachineInfoTest {
    /** The example of PROTOCOL.md's MACHINE_INFO schema, filled in. */
    private static final String JSON = """
            { "machine": "q35",
              "memory":  [ {"kind": "ram", "base": "0x0", "size": "0x80000000"},
                           {"kind": "mmio", "name": "pcie-mmcfg", "base": "0xb0000000", "size": "0x10000000"} ],
              "pci":     [ {"bdf": "0000:00:03.0", "vendor": "0x1234", "device": "0x11e8",
                            "class": "0x00ff00", "type": "edu", "driver": null,
                            "group": 5, "iommu": "dmar0",
                            "vfio": "/dev/vfio/devices/vfio0" } ],
              "iommus":  [ {"id": "dmar0", "kind": "intel-iommu", "base": "0xfed90000",
                            "owner": "host", "scope": ["0000:00:03.0"]} ],
              "groups":  [ {"id": 5, "devices": ["0000:00:03.0"], "owner": "user", "domain": "paging"} ],
              "counters": { "sessions": 1, "fds": 2, "iommufd_objects": 3, "pinned_pages": 16,
                            "dma_owner_claims": 1, "queued_events": 0 } }
            """;

    private final MachineInfo info = MachineInfo.parse(JSON);

    @Test
    void pciFunctionsHaveHexFieldsParsedAndNullsKept() {
        MachineInfo.PciFunction edu = info.pci("0000:00:03.0").orElseThrow();
        assertEquals(new MachineInfo.PciFunction("0000:00:03.0", 0x1234, 0x11e8, 0x00ff00, "edu", null, 5, "dmar0",
                "/dev/vfio/devices/vfio0"), edu);
    }

    @Test
    void memoryIommusAndGroupsAreTyped() {
        assertEquals(new MachineInfo.MemoryRange("ram", null, 0, 0x80000000L), info.memory().get(0));
        assertEquals(new MachineInfo.Iommu("dmar0", "intel-iommu", 0xfed90000L, "host", List.of("0000:00:03.0")),
                info.iommus().get(0));
        assertEquals(new MachineInfo.Group(5, List.of("0000:00:03.0"), "user", "paging"), info.groups().get(0));
    }

    @Test
    void countersAndEcamBaseAreReadable() {
        assertEquals(16, info.counter("pinned_pages"));
        assertEquals(0, info.counter("not_reported"));
        assertEquals(0xb0000000L, info.ecamBase().orElseThrow());
        assertEquals("q35", info.machine());
        assertSame(JSON, info.json());
    }
}
