package dev.vplat.guest.pci;

import dev.vplat.guest.junit.PlatformSetup;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.vfio.platform.Platform;

/**
 * Adds to a bare q35 (the test asks for {@code noDefaults}) a root port at 00:1c.0 and a
 * {@link DoorbellDevice} on its secondary bus.
 */
public final class DoorbellMachine implements PlatformSetup {
    @Override
    public void setup(Platform platform) {
        PciHost host = (PciHost) platform.machine().component("pci");
        host.addRootPort("rp0", "1c.0");
        DeviceType<PciPlug> type = PciDeviceTypes.define("doorbell", "test endpoint", new PropertySchema(),
                values -> new DoorbellDevice());
        host.plug(type.create(OptionString.parse("doorbell,bus=rp0,addr=00.0")), "doorbell0");
    }
}
