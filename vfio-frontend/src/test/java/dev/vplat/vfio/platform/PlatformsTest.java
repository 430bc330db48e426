package dev.vplat.vfio.platform;

import dev.vplat.platform.device.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformsTest {
    @Test
    void defaultQ35HasTwoGibOfRamAtZeroAndItsUpperHalfIsTheHostPool() {
        try (Platform p = Platforms.create(PlatformConfig.defaults())) {
            assertEquals(0x4000_0000L, p.kernel().pages().base());
            assertEquals(0x4000_0000L, p.kernel().pages().size());
            assertTrue(p.machine().system().isRam(0, 2L << 30));
        }
    }

    @Test
    void q35HasTheX86MsiWindow() {
        try (Platform p = Platforms.create(PlatformConfig.defaults().withMemory(16 << 20))) {
            assertEquals("msi-window", p.machine().system().regionAt(0xFEE0_0000L).name());
        }
    }

    @Test
    void virtPutsRamAtOneGib() {
        PlatformConfig c = new PlatformConfig("virt", List.of(), List.of(), 16 << 20, false, "", ClockMode.VIRTUAL,
                false, List.of());
        try (Platform p = Platforms.create(c)) {
            assertTrue(p.machine().system().isRam(Platforms.VIRT_RAM_BASE, 16 << 20));
            assertEquals(Platforms.VIRT_RAM_BASE + (8 << 20), p.kernel().pages().base());
        }
    }

    @Test
    void anUnknownMachineIsAConfigError() {
        PlatformConfig c = new PlatformConfig("pc", List.of(), List.of(), 16 << 20, false, "", ClockMode.VIRTUAL,
                false, List.of());
        assertThrows(ConfigException.class, () -> Platforms.create(c));
    }

    @Test
    void anUnknownDeviceTypeNamesTheProblem() {
        PlatformConfig c = new PlatformConfig("q35", List.of("nonesuch,addr=03.0"), List.of(), 16 << 20, false, "",
                ClockMode.VIRTUAL, false, List.of());
        ConfigException e = assertThrows(ConfigException.class, () -> Platforms.create(c));
        assertTrue(e.getMessage().contains("nonesuch"), e.getMessage());
    }

    @Test
    void memorySizesTakeQemuSuffixes() {
        assertEquals(2L << 30, MemorySize.parse("2G"));
        assertEquals(512L << 20, MemorySize.parse("512M"));
        assertEquals(0x8000_0000L, MemorySize.parse("0x80000000"));
        assertThrows(IllegalArgumentException.class, () -> MemorySize.parse("lots"));
    }

    @Test
    void contributorsFillTheirSectionOfMachineInfo() {
        PlatformConfig bare = new PlatformConfig("virt", List.of(), List.of(), 16 << 20, true, "", ClockMode.VIRTUAL,
                false, List.of());
        try (Platform p = Platforms.create(bare)) {
            p.kernel().service(MachineInfoRegistry.class).register(new MachineInfoContributor() {
                @Override
                public String key() {
                    return "pci";
                }

                @Override
                public void writeValue(JsonWriter out) {
                    out.beginArray().beginObject().field("bdf", "0000:00:03.0").name("driver").nullValue()
                            .endObject().endArray();
                }
            });
            String json = p.machineInfo();
            assertTrue(json.contains("\"pci\":[{\"bdf\":\"0000:00:03.0\",\"driver\":null}],\"iommus\":["), json);
        }
    }

    @Test
    void jsonWriterEscapesAndSeparates() {
        String s = new JsonWriter().beginObject().field("a", "q\"\n").name("b").beginArray().value(1).value(true)
                .hex(255, 4).endArray().endObject().toString();
        assertEquals("{\"a\":\"q\\\"\\n\",\"b\":[1,true,\"0x00ff\"]}", s);
    }
}
