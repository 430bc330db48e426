package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.mock.MockIommuException;
import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.IommuCap;
import dev.vplat.vfio.iommu.IommuDomain;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The host driver of a mock IOMMU unit ({@link MockIommu}), with the behaviour of Linux's
 * iommufd selftest driver (drivers/iommu/iommufd/selftest.c, mock_ops): one group per device
 * (generic_device_group), paging domains with 2 KiB pages and the [16 MiB, 2 GiB) aperture,
 * dirty tracking and nesting-parent allocation, hw_info of type IOMMU_HW_INFO_TYPE_SELFTEST and
 * no reserved regions. The unit has no registers, so "programming the hardware" is calling it:
 * blocking detaches the device, identity puts it in pass-through, a translating domain attaches
 * its {@link dev.vplat.iommu.mock.MockDomain}.
 *
 * <p>Devices may carry the selftest's mock_dev flags ({@link #DEVICE_NO_DIRTY}); a device without
 * them (a PCI function behind a machine's mock unit) has all capabilities.
 */
public final class MockHostDriver extends HostIommuDriver {
    public static final String DRIVER_NAME = "mock";
    /** MOCK_FLAGS_DEVICE_NO_DIRTY: the device cannot take part in dirty tracking. */
    public static final int DEVICE_NO_DIRTY = 1 << 0;

    private final MockIommu unit;
    private final DomainType defaultType;
    private final Map<RequesterId, Integer> deviceFlags = new HashMap<>();

    /**
     * @param scope       the requesters whose DMA reaches this unit
     * @param defaultType what groups start in: {@link DomainType#IDENTITY} (pass-through),
     *                    {@link DomainType#DMA} (an empty translating domain for DMA-API mappings),
     *                    or {@link DomainType#BLOCKED}, which is what the selftest's mock_ops uses
     *                    as default_domain
     */
    public MockHostDriver(MockIommu unit, Predicate<RequesterId> scope, DomainType defaultType, Trace trace) {
        super(DRIVER_NAME, unit.name(), scope, trace);
        if (defaultType == DomainType.UNMANAGED) {
            throw new IllegalArgumentException("a default domain is identity, DMA or blocking");
        }
        this.unit = unit;
        this.defaultType = defaultType;
    }

    public MockIommu unit() {
        return unit;
    }

    /** Records the selftest flags of a device (mock_dev->flags) before it is probed. */
    public void setDeviceFlags(RequesterId rid, int flags) {
        if ((flags & ~DEVICE_NO_DIRTY) != 0) {
            throw new ErrnoException(Errno.EINVAL, "unknown mock device flags 0x" + Integer.toHexString(flags));
        }
        deviceFlags.put(rid, flags);
    }

    /** Forgets a removed device: its flags and the domain it was last attached to. */
    public void releaseDevice(RequesterId rid) {
        deviceFlags.remove(rid);
        forgetAttachment(rid);
    }

    private boolean noDirty(RequesterId rid) {
        return (deviceFlags.getOrDefault(rid, 0) & DEVICE_NO_DIRTY) != 0;
    }

    /** generic_device_group: the mock isolates every device. */
    @Override
    public boolean groupsPerDevice() {
        return true;
    }

    @Override
    public IommuDomain allocDefaultDomain() {
        return switch (defaultType) {
            case IDENTITY -> identity;
            case BLOCKED -> blocking;
            default -> new MockIommuDomain(this, DomainType.DMA, unit.allocateDomain(), false);
        };
    }

    /**
     * mock_domain_alloc_paging_flags: NEST_PARENT and DIRTY_TRACKING are accepted, anything else
     * is EOPNOTSUPP; dirty tracking gives the domain its dirty ops.
     */
    @Override
    public PagingDomain allocPagingDomain(int flags) {
        requireKnownAllocFlags(flags, unitId() + ": unsupported domain flags");
        FailNth.point(FaultPoint.DOMAIN_ALLOC);
        return new MockIommuDomain(this, DomainType.UNMANAGED, unit.allocateDomain(), (flags & ALLOC_DIRTY_TRACKING) != 0);
    }

    /**
     * attach_dev: EINVAL for a domain of another unit, and (mock_domain_nop_attach) for a domain
     * with dirty tracking when the device has MOCK_FLAGS_DEVICE_NO_DIRTY. A failed attach leaves
     * the device as it was.
     */
    @Override
    public void attachDevice(IommuDomain domain, RequesterId rid) {
        requireOwnDomain(domain);
        if (domain instanceof MockIommuDomain d && d.supportsDirtyTracking() && noDirty(rid)) {
            throw new ErrnoException(Errno.EINVAL, rid + " cannot attach to a dirty-tracking domain");
        }
        FailNth.point(FaultPoint.ATTACH_DEV);
        try {
            switch (domain.type()) {
                case BLOCKED -> unit.detach(rid);
                case IDENTITY -> unit.attachIdentity(rid);
                default -> unit.attach(rid, ((MockIommuDomain) domain).hardware());
            }
        } catch (MockIommuException e) {
            throw new ErrnoException(Errno.of(e.errno()), e.getMessage());
        }
        recordAttach(rid, domain);
        log("%s -> %s", rid, domain);
    }

    /** mock_domain_capable: coherency always; dirty tracking unless the device has NO_DIRTY. */
    @Override
    public boolean capable(RequesterId rid, IommuCap cap) {
        return switch (cap) {
            case CACHE_COHERENCY -> true;
            case DIRTY_TRACKING -> !noDirty(rid);
        };
    }

    /** The selftest mock reports no reserved regions. */
    @Override
    public List<ReservedRegion> reservedRegions(RequesterId rid) {
        return List.of();
    }

    /**
     * mock_domain_hw_info: struct iommu_test_hw_info with test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL.
     * iommufd derives out_capabilities per device from {@link #capable}.
     */
    @Override
    public IommuHwInfo hwInfo() {
        return IommuHwInfo.selftest(0);
    }

    @Override
    public String toString() {
        return DRIVER_NAME + " driver of " + unitId();
    }
}
