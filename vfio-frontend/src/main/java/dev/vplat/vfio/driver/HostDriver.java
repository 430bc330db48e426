package dev.vplat.vfio.driver;

/**
 * A host (kernel) PCI driver (struct pci_driver). A DMA-API driver uses the kernel DMA API, so the
 * driver core takes the group's default domain for it before probe
 * (iommu_device_use_default_domain); a driver with {@code driver_managed_dma} (vfio-pci,
 * pci-stub) manages DMA isolation itself and does not count as a DMA user while merely bound.
 *
 * <p>The drivers here only claim the device: they do not program it, so the device stays in the
 * state a guest or a VFIO user left it in.
 */
public final class HostDriver {
    public static final String VFIO_PCI = "vfio-pci";
    public static final String PCI_STUB = "pci-stub";

    private final String name;
    private final boolean driverManagedDma;
    private final String deviceType;

    private HostDriver(String name, boolean driverManagedDma, String deviceType) {
        this.name = name;
        this.driverManagedDma = driverManagedDma;
        this.deviceType = deviceType;
    }

    /** A device type's own DMA-API driver, named after the type; it matches only that type. */
    public static HostDriver dmaApi(String deviceType) {
        return new HostDriver(deviceType, false, deviceType);
    }

    /** vfio-pci: hands the device to user space; driver_managed_dma, matches any function. */
    public static HostDriver vfioPci() {
        return new HostDriver(VFIO_PCI, true, null);
    }

    /** pci-stub: keeps other drivers off a device; driver_managed_dma, matches any function. */
    public static HostDriver pciStub() {
        return new HostDriver(PCI_STUB, true, null);
    }

    public String name() {
        return name;
    }

    /** struct device_driver.driver_managed_dma. */
    public boolean driverManagedDma() {
        return driverManagedDma;
    }

    /** driver_match_device: a DMA-API driver drives its own type only. */
    public boolean matches(HostDevice device) {
        return deviceType == null || deviceType.equals(device.type());
    }

    @Override
    public String toString() {
        return name;
    }
}
