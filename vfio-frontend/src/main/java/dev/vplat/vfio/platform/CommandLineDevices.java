package dev.vplat.vfio.platform;

import dev.vplat.pci.PciHost;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plugs {@code --device TYPE,prop=value} PCI functions, shared by every machine preset. An
 * {@code id=} option names the function (it is not a device property, as in QEMU's
 * {@code -device ...,id=}); otherwise the id is the type and a per-type counter ({@code edu-2}).
 */
public final class CommandLineDevices {
    private CommandLineDevices() {
    }

    public static void plugAll(PciHost pci, DeviceRegistry registry, List<String> devices) {
        Map<String, Integer> counters = new HashMap<>();
        for (String text : devices) {
            OptionString o = OptionString.parse(text);
            String id = o.options().get("id");
            while (id == null || pci.function(id) != null && !o.options().containsKey("id")) {
                id = o.type() + "-" + counters.merge(o.type(), 1, Integer::sum);
            }
            plug(pci, registry, id, text);
        }
    }

    /** Plugs one function under {@code id}; an {@code id=} option in {@code text} is dropped. */
    public static void plug(PciHost pci, DeviceRegistry registry, String id, String text) {
        OptionString o = OptionString.parse(text);
        Map<String, String> props = new LinkedHashMap<>(o.options());
        props.remove("id");
        PciPlug plug = registry.find(o.type(), PciPlug.class).create(new OptionString(o.type(), props));
        pci.plug(plug, id);
    }
}
