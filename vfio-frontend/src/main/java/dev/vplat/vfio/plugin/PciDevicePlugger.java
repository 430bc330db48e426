package dev.vplat.vfio.plugin;

import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plugs {@code --device TYPE[,id=NAME][,prop=value...]} option strings into a PCI host, the way
 * QEMU's {@code -device} does: {@code id} names the instance (default: the type name followed by
 * a per-type counter, {@code ring0}, {@code ring1}); every other option is a property of the
 * type. A device whose {@code realize} throws fails the whole machine with a message naming the
 * instance, the type and where the type came from (a plugin jar or vplat itself), so a plugin
 * author sees at once whose code broke.
 */
public final class PciDevicePlugger {
    /** The option naming the instance; it is not a device property. */
    public static final String ID = "id";

    private final DeviceRegistry registry;
    private final Map<String, Integer> counters = new HashMap<>();

    public PciDevicePlugger(DeviceRegistry registry) {
        this.registry = registry;
    }

    /** Plugs every option string in order; the first failure stops with a {@link ConfigException}. */
    public List<PciFunction> plugAll(PciHost host, List<String> devices) {
        List<PciFunction> plugged = new ArrayList<>();
        for (String text : devices) {
            plugged.add(plug(host, text));
        }
        return plugged;
    }

    /** Plugs one {@code --device} option string. */
    public PciFunction plug(PciHost host, String text) {
        OptionString given = OptionString.parse(text);
        Map<String, String> properties = new LinkedHashMap<>(given.options());
        String id = properties.remove(ID);
        if (id == null) {
            id = nextId(host, given.type());
        } else if (id.isEmpty()) {
            throw new ConfigException(given.type() + ": id must not be empty");
        }
        var type = registry.find(given.type(), PciPlug.class);
        try {
            PciPlug plug = type.create(new OptionString(given.type(), properties));
            return host.plug(plug, id);
        } catch (RuntimeException e) {
            throw new ConfigException("device '" + id + "' of type '" + given.type() + "' from "
                    + registry.origin(given.type()) + " could not be plugged: " + e.getMessage(), e);
        }
    }

    /** The next free {@code TYPEn}: a preset may already hold {@code dmatest0}. */
    private String nextId(PciHost host, String type) {
        String id;
        do {
            id = type + (counters.merge(type, 1, Integer::sum) - 1);
        } while (host.function(id) != null);
        return id;
    }
}
