package dev.vplat.guest.suites;

import dev.vplat.iommu.UnitScope;
import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.q35.Q35PciTopology;
import dev.vplat.guest.junit.PlatformSetup;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.vfio.platform.MachineInfoContributor;
import dev.vplat.vfio.platform.JsonWriter;
import dev.vplat.vfio.platform.Platform;

import java.util.List;
import java.util.Map;

/**
 * Until Platforms.create assembles the q35 preset (the lead is wiring it), this builds the
 * guest-driver half of it on an empty q35 platform: the PCI layout of docs/devices/pci.md with
 * a dmatest at 00:07.0, buses numbered as host firmware will (rp0 → 1, pcibr0 → 2), and the
 * guest-owned unit dmar0 at 0xFED90000 covering 00:03.0 and 00:07.0, listed in MACHINE_INFO.
 * It does nothing on a platform that already has a PCI host, so it goes inert the moment the
 * real preset lands. The host-owned dmar1 and the host stack are not stood in for: suites 4–6
 * skip on such a machine, saying so.
 */
public final class Q35PresetStandIn implements PlatformSetup {
    @Override
    public void setup(Platform platform) {
        var machine = platform.machine();
        if (machine.component("pci") != null) {
            return;
        }
        DeviceRegistry registry = DeviceRegistry.discover(Q35PresetStandIn.class.getClassLoader(), "vplat");
        PciHost host = Q35PciTopology.build(machine, registry);
        Q35PciTopology.plug(host, registry, "dmatest7", "dmatest,addr=07.0");
        number(host, "rp0", 0, 1, 1);
        number(host, "pcibr0", 0, 2, 2);
        VtdConfig config = VtdConfig.fromProperties(VtdConfig.schema().resolve("intel-iommu",
                Map.of("owner", "guest", "scope", "00:03.0+00:07.0", "base", Long.toString(0xFED9_0000L))));
        VtdUnit unit = VtdUnit.create(machine, "dmar0", config);
        UnitScope scope = config.scope();
        host.dmaRouting().claim("dmar0", DmaScope.requesters(scope.requesters()), unit);
        platform.infoRegistry().register(new MachineInfoContributor() {
            @Override
            public String key() {
                return "iommus";
            }

            @Override
            public void writeValue(JsonWriter out) {
                out.beginArray().beginObject().field("id", "dmar0").field("kind", "intel-iommu")
                        .name("base").hex(0xFED9_0000L).field("owner", "guest").name("scope").beginArray();
                for (String bdf : List.of("0000:00:03.0", "0000:00:07.0")) {
                    out.value(bdf);
                }
                out.endArray().endObject().endArray();
            }
        });
    }

    private static void number(PciHost host, String id, int primary, int secondary, int subordinate) {
        PciBridge b = (PciBridge) host.function(id);
        b.configWrite(0x18, 1, primary);
        b.configWrite(0x19, 1, secondary);
        b.configWrite(0x1A, 1, subordinate);
    }
}
