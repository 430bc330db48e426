package com.example.ring;

import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;

import java.util.List;

/** Lists this jar's device types; named in META-INF/services so {@code vplat serve --plugin} finds it. */
public final class RingDeviceProvider implements DeviceTypeProvider {
    @Override
    public List<DeviceType<?>> deviceTypes() {
        return List.of(RingDevice.type());
    }
}
