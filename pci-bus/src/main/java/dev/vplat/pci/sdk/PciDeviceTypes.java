package dev.vplat.pci.sdk;

import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertySpec;
import dev.vplat.platform.device.PropertyValues;

import java.util.function.Function;

/** Turns a device model into a {@code DeviceType} with the properties every PCI device has. */
public final class PciDeviceTypes {
    /** Slot and function, {@code DD.F} or {@code DD} (hex, as QEMU's {@code addr=}). */
    public static final String ADDR = "addr";
    /** The id of the bridge whose secondary bus the device plugs into; empty = root bus. */
    public static final String BUS = "bus";

    private PciDeviceTypes() {
    }

    /**
     * Defines a PCI device type. {@code schema} holds the device's own properties; {@code addr}
     * and {@code bus} are added here, so the schema must not declare them.
     */
    public static DeviceType<PciPlug> define(String name, String description, PropertySchema schema,
                                             Function<PropertyValues, PciDevice> factory) {
        schema.add(PropertySpec.string(ADDR, "", "slot.function on the bus, e.g. 03.0 (default: first free)"));
        schema.add(PropertySpec.string(BUS, "", "id of the bridge below which to plug (default: root bus)"));
        return new DeviceType<>(name, description, PciPlug.class, schema,
                values -> new PciPlug(factory.apply(values), values));
    }
}
