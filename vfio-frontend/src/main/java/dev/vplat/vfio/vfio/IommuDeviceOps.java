package dev.vplat.vfio.vfio;

import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.iommufd.HwInfo;
import dev.vplat.vfio.iommufd.IommufdDeviceOps;

import java.util.List;

/**
 * What iommufd calls into the IOMMU core for one PCI function that VFIO binds (the calls
 * device.c makes into drivers/iommu/iommu.c), on the function's {@link IommuDevice}. The owner
 * given at {@link #claimDmaOwner} is the one every later domain change is made for.
 */
final class IommuDeviceOps implements IommufdDeviceOps {
    private final IommuDevice device;
    private Object owner;

    IommuDeviceOps(IommuDevice device) {
        this.device = device;
    }

    @Override
    public String name() {
        return device.bdf();
    }

    @Override
    public Object group() {
        return device.group();
    }

    /** VT-d units here snoop every DMA (ECAP.SC semantics), so coherency is always enforced. */
    @Override
    public boolean cacheCoherent() {
        return true;
    }

    @Override
    public boolean dirtyTrackingCapable() {
        return device.hasGroup() && (device.hwInfo().capabilities() & IommuHwInfo.CAP_DIRTY_TRACKING) != 0;
    }

    @Override
    public void claimDmaOwner(Object newOwner) {
        device.claimDmaOwner(newOwner);
        owner = newOwner;
    }

    @Override
    public void releaseDmaOwner() {
        device.releaseDmaOwner(owner);
        owner = null;
    }

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
    public HwInfo hwInfo() {
        IommuHwInfo info = device.hwInfo();
        return info.type() == IommuHwInfo.TYPE_NONE ? null : new HwInfo(info.type(), info.data());
    }
}
