package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.List;

/**
 * A test double of the IOMMU core for one device: a group key, an IOMMU unit whose domains
 * (mock-geometry {@link MockPagingDomain}s) only its own devices accept, a DMA owner the test
 * can preset to provoke EPERM, reserved regions, and a record of the group's current domain.
 */
final class FakeDeviceOps implements IommufdDeviceOps {
    final Object group;
    final Object unit;
    final List<ReservedRegion> reserved;
    Object owner;
    boolean kernelDriverBound;
    PagingDomain domain;

    FakeDeviceOps(Object group, Object unit, List<ReservedRegion> reserved) {
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
        return new MockPagingDomain(unit, (flags & 2) != 0);
    }

    private void check(PagingDomain d) {
        if (((MockPagingDomain) d).unit() != unit) {
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
    public HwInfo hwInfo() {
        return null;
    }
}
