package dev.vplat.platform.device;

import java.util.List;

/** Found through {@link java.util.ServiceLoader}: built-in modules and plugin jars list their types here. */
public interface DeviceTypeProvider {
    List<DeviceType<?>> deviceTypes();
}
