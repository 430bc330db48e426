package dev.vplat.platform.device;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/** Every device type known to a machine, by unique name. */
public final class DeviceRegistry {
    private final Map<String, DeviceType<?>> types = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();

    /** A registry of every type the class loader's {@link DeviceTypeProvider}s offer. */
    public static DeviceRegistry discover(ClassLoader loader, String origin) {
        DeviceRegistry r = new DeviceRegistry();
        r.load(loader, origin);
        return r;
    }

    public void load(ClassLoader loader, String origin) {
        for (DeviceTypeProvider p : ServiceLoader.load(DeviceTypeProvider.class, loader)) {
            for (DeviceType<?> t : p.deviceTypes()) {
                register(t, origin);
            }
        }
    }

    public void register(DeviceType<?> type, String origin) {
        String previous = origins.get(type.name());
        if (previous != null) {
            throw new ConfigException("device type '" + type.name() + "' from " + origin
                    + " is already defined by " + previous);
        }
        types.put(type.name(), type);
        origins.put(type.name(), origin);
    }

    public DeviceType<?> find(String name) {
        DeviceType<?> t = types.get(name);
        if (t == null) {
            throw new ConfigException("unknown device type '" + name + "' (known: " + String.join(", ", types.keySet()) + ")");
        }
        return t;
    }

    public <T> DeviceType<T> find(String name, Class<T> kind) {
        DeviceType<?> t = find(name);
        if (!kind.isAssignableFrom(t.kind())) {
            throw new ConfigException("'" + name + "' is a " + t.kind().getSimpleName() + ", not a " + kind.getSimpleName());
        }
        @SuppressWarnings("unchecked")
        DeviceType<T> typed = (DeviceType<T>) t;
        return typed;
    }

    public List<DeviceType<?>> all() {
        return new ArrayList<>(types.values());
    }

    public String origin(String name) {
        return origins.get(name);
    }
}
