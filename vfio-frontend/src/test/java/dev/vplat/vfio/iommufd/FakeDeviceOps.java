package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.List;

/**
 * A test double of the IOMMU core for one device: a group key, a real host IOMMU unit whose
 * paging domains only its own devices accept, a DMA owner the test can preset to provoke EPERM,
 * reserved regions, and a record of the group's current domain (the unit's hardware is never
 * programmed: only iommufd's bookkeeping is under test).
 */
final class FakeDeviceOps implements IommufdDeviceOps {
    final Object group;
    final HostIommu unit;
    final List<ReservedRegion> reserved;
    Object owner;
    boolean kernelDriverBound;
    PagingDomain domain;

    FakeDeviceOps(Object group, HostIommu unit, List<ReservedRegion> reserved) {
        this.group = group;
        this.unit = unit;
        this.reserved = reserved;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public Object group() {
        return group;
    }

    @Override
    public boolean cacheCoherent() {
        return true;
    }

    @Override
    public boolean dirtyTrackingCapable() {
        return true;
    }

    @Override
    public void claimDmaOwner(Object newOwner) {
        if (kernelDriverBound || (owner != null && owner != newOwner)) {
            throw new ErrnoException(Errno.EPERM, "group owned");
        }
        owner = newOwner;
    }

    @Override
    public void releaseDmaOwner() {
        owner = null;
    }

    @Override
    public PagingDomain allocPagingDomain(int flags) {
        return unit.allocPagingDomain(flags);
    }

    private void check(PagingDomain d) {
        if (d.iommu() != unit) {
            throw new ErrnoException(Errno.EINVAL, "domain of another IOMMU unit");
        }
    }

    @Override
    public void attachDomain(PagingDomain d) {
        check(d);
        domain = d;
    }

    @Override
    public void replaceDomain(PagingDomain d) {
        check(d);
        domain = d;
    }

    @Override
    public void detachDomain() {
        domain = null;
    }

    @Override
    public List<ReservedRegion> reservedRegions() {
        return reserved;
    }

    @Override
    public IommuHwInfo hwInfo() {
        return null;
    }
}
