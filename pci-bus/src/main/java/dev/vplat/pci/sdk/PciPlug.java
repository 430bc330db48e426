package dev.vplat.pci.sdk;

import dev.vplat.platform.device.PropertyValues;

/**
 * A created device ready to be plugged: the model plus its resolved properties, including the
 * {@code addr} ({@code DD.F}, empty = first free slot) and {@code bus} (a bridge id, empty = the
 * root bus) every PCI device type has. This is the kind of every PCI {@code DeviceType}.
 */
public record PciPlug(PciDevice device, PropertyValues properties) {
    public String typeName() {
        return properties.typeName();
    }

    public String addr() {
        return properties.string(PciDeviceTypes.ADDR);
    }

    public String bus() {
        return properties.string(PciDeviceTypes.BUS);
    }
}
