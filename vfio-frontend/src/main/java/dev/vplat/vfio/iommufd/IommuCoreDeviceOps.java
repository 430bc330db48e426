package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.IommuCap;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;

import java.util.List;

/**
 * {@link IommufdDeviceOps} for a device of the IOMMU core: the calls drivers/iommu/iommufd/device.c
 * makes into drivers/iommu/iommu.c, one to one. The DMA owner is the object iommufd presents at
 * bind (the {@link IommufdContext}); every later domain call is made on its behalf. Errnos are the
 * core's and the host driver's, passed through unchanged: EPERM/EBUSY from ownership, EINVAL for a
 * domain the device's unit cannot use, EOPNOTSUPP for allocation flags the unit cannot honour.
 *
 * <p>VFIO binds a device with {@code ctx.bindDevice(new IommuCoreDeviceOps(hostDevice.iommu()))}.
 */
public final class IommuCoreDeviceOps implements IommufdDeviceOps {
    private final IommuDevice device;
    private Object owner;

    public IommuCoreDeviceOps(IommuDevice device) {
        this.device = device;
    }

    public IommuDevice device() {
        return device;
    }

    @Override
    public String name() {
        return device.bdf();
    }

    /** The core's IommuGroup, or null for a device without one (bind then fails). */
    @Override
    public Object group() {
        return device.group();
    }

    /** device_iommu_capable: false without an IOMMU, so iommufd's bind answers EINVAL as Linux does. */
    @Override
    public boolean cacheCoherent() {
        return device.capable(IommuCap.CACHE_COHERENCY);
    }

    @Override
    public boolean dirtyTrackingCapable() {
        return device.capable(IommuCap.DIRTY_TRACKING);
    }

    @Override
    public void claimDmaOwner(Object newOwner) {
        device.claimDmaOwner(newOwner);
        owner = newOwner;
    }

    @Override
    public void releaseDmaOwner() {
        if (owner == null) {
            throw new IllegalStateException(device + " was never claimed through iommufd");
        }
        device.releaseDmaOwner(owner);
        owner = null;
    }

    /** The iommufd HWPT flags NEST_PARENT and DIRTY_TRACKING have the core's values; others are the driver's EOPNOTSUPP. */
    @Override
    public PagingDomain allocPagingDomain(int flags) {
        return device.allocPagingDomain(flags);
    }

    @Override
    public void attachDomain(PagingDomain domain) {
        device.attach(domain, owner);
    }

    @Override
    public void replaceDomain(PagingDomain domain) {
        device.replace(domain, owner);
    }

    @Override
    public void detachDomain() {
        device.detach(owner);
    }

    @Override
    public List<ReservedRegion> reservedRegions() {
        return device.reservedRegions();
    }

    @Override
    public IommuHwInfo hwInfo() {
        return device.hwInfo();
    }
}
