package dev.vplat.pci.sdk;

import dev.vplat.platform.device.PropertyValues;

/**
 * A created device ready to be plugged: the model plus its resolved properties, including the
 * {@code addr} ({@code DD.F}, empty = first free slot) and {@code bus} (a bridge id, empty = the
 * root bus) every PCI device type has. This is the kind of every PCI {@code DeviceType}.
 */
public record PciPlug(PciDevice device, PropertyValues properties) {
    /** The device type name the instance was created from. */
    public String typeName() {
        return properties.typeName();
    }

    /** The requested {@code DD.F} slot and function, or empty for the first free slot. */
    public String addr() {
        return properties.string(PciDeviceTypes.ADDR);
    }

    /** The id of the bridge below which to plug, or empty for the root bus. */
    public String bus() {
        return properties.string(PciDeviceTypes.BUS);
    }
}
