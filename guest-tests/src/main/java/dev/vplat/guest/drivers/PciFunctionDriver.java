package dev.vplat.guest.drivers;

import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.PciDev;

/**
 * A guest driver bound to one PCI function it recognises by vendor and device ID, as a Linux
 * {@code struct pci_driver} matches its {@code id_table} before probe. Refusing a function with
 * other IDs at construction keeps a test from driving the wrong device's registers.
 */
public abstract class PciFunctionDriver {
    protected final PciDev dev;
    protected final VplatClient guest;

    protected PciFunctionDriver(PciDev dev, int vendor, int device, String deviceName) {
        if (dev.vendorId() != vendor || dev.deviceId() != device) {
            throw new IllegalArgumentException(dev.bdf() + " is not " + deviceName);
        }
        this.dev = dev;
        this.guest = dev.client();
    }

    /** The function this driver drives. */
    public final PciDev pci() {
        return dev;
    }
}
