package dev.vplat.pci.devices;

import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;

import java.util.List;

/** Lists the reference PCI devices of this module for {@code ServiceLoader} discovery. */
public final class BuiltinPciDevices implements DeviceTypeProvider {
    @Override
    public List<DeviceType<?>> deviceTypes() {
        return List.of(EduDevice.type(), DmaTestDevice.type());
    }
}
