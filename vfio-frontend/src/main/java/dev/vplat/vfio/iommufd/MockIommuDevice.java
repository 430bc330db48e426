package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestHwInfo;
import dev.vplat.vfio.uapi.Uapi;

import java.util.List;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * A selftest mock device (selftest.c mock_dev) behind the one mock IOMMU instance: its own
 * group, no kernel driver (so ownership is always free), paging domains from
 * {@link MockPagingDomain}, hw_info of type IOMMU_HW_INFO_TYPE_SELFTEST. With
 * MOCK_FLAGS_DEVICE_NO_DIRTY it refuses dirty-tracking domains, as mock_domain_nop_attach does.
 */
final class MockIommuDevice implements IommufdDeviceOps {
    static final Object MOCK_UNIT = new Object();
    private static int created;

    private final String name;
    private final int flags;
    private final Object group = new Object();
    private Object owner;
    private PagingDomain domain;

    MockIommuDevice(int flags) {
        if ((flags & ~IommufdTestStructs.MOCK_FLAGS_DEVICE_NO_DIRTY) != 0) {
            throw fail(Errno.EINVAL, "unknown mock device flags");
        }
        this.flags = flags;
        this.name = "iommufd_mock" + ++created;
    }

    @Override
    public String name() {
        return name;
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
        return (flags & IommufdTestStructs.MOCK_FLAGS_DEVICE_NO_DIRTY) == 0;
    }

    @Override
    public void claimDmaOwner(Object newOwner) {
        if (owner != null && owner != newOwner) {
            throw fail(Errno.EPERM, name + " is owned by someone else");
        }
        owner = newOwner;
    }

    @Override
    public void releaseDmaOwner() {
        owner = null;
    }

    @Override
    public PagingDomain allocPagingDomain(int allocFlags) {
        boolean wantDirty = (allocFlags & IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING) != 0;
        if ((allocFlags & ~(IommufdIoctl.HWPT_ALLOC_NEST_PARENT | IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING)) != 0) {
            throw fail(Errno.EOPNOTSUPP, "mock domains take no such flags");
        }
        if (wantDirty && !dirtyTrackingCapable()) {
            throw fail(Errno.EOPNOTSUPP, name + " has no dirty tracking");
        }
        return new MockPagingDomain(MOCK_UNIT, wantDirty);
    }

    private void checkAttach(PagingDomain d) {
        if (!(d instanceof MockPagingDomain m) || m.unit() != MOCK_UNIT) {
            throw fail(Errno.EINVAL, "not a mock domain");
        }
        if (m.supportsDirtyTracking() && !dirtyTrackingCapable()) {
            throw fail(Errno.EINVAL, name + " cannot attach to a dirty-tracking domain");
        }
    }

    @Override
    public void attachDomain(PagingDomain d) {
        checkAttach(d);
        domain = d;
    }

    @Override
    public void replaceDomain(PagingDomain d) {
        checkAttach(d);
        domain = d;
    }

    @Override
    public void detachDomain() {
        domain = null;
    }

    PagingDomain domain() {
        return domain;
    }

    @Override
    public List<ReservedRegion> reservedRegions() {
        return List.of();
    }

    @Override
    public HwInfo hwInfo() {
        return new HwInfo(IommufdTestStructs.HW_INFO_TYPE_SELFTEST,
                Uapi.encode(new IommuTestHwInfo(0, IommufdTestStructs.HW_INFO_SELFTEST_REGVAL)));
    }
}
