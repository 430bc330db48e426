package dev.vplat.vfio.driver;

import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.iommu.IommuDevice;

/**
 * A PCI function as the host driver core sees it (struct pci_dev with its struct device): its
 * address, its device type (which names its own DMA-API driver), its IOMMU side and the driver
 * bound to it. Higher layers find the function's hardware (config space, BARs) by its requester ID.
 */
public final class HostDevice {
    private final RequesterId rid;
    private final String type;
    private final IommuDevice iommu;
    private HostDriver driver;

    public HostDevice(RequesterId rid, String type, IommuDevice iommu) {
        this.rid = rid;
        this.type = type;
        this.iommu = iommu;
    }

    public RequesterId rid() {
        return rid;
    }

    /** Linux's sysfs name, {@code 0000:00:03.0}. */
    public String bdf() {
        return rid.bdf();
    }

    /** The device type the machine was built with ({@code edu}, {@code dmatest}, …). */
    public String type() {
        return type;
    }

    public IommuDevice iommu() {
        return iommu;
    }

    /** The bound driver, or null. */
    public HostDriver driver() {
        return driver;
    }

    void setDriver(HostDriver driver) {
        this.driver = driver;
    }

    @Override
    public String toString() {
        return bdf();
    }
}
