package dev.vplat.vfio.hostiommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the host IOMMU drivers (VT-d, SMMUv3, mock) share around their hardware programming: the
 * unit's id and device scope, its one blocking and one identity domain, the domain each device
 * was last attached to (with the attach counts of {@link DriverDomain}s, which free checks), the
 * checks every attach_dev and domain_alloc_paging_flags start with, and the IOMMU trace.
 */
abstract class HostIommuDriver implements HostIommu {
    private final String driverName;
    private final String unitId;
    private final Predicate<RequesterId> scope;
    private final Map<RequesterId, IommuDomain> attached = new HashMap<>();
    protected final Trace trace;
    protected final IommuDomain blocking = new FixedDomain(DomainType.BLOCKED, this);
    protected final IommuDomain identity = new FixedDomain(DomainType.IDENTITY, this);

    HostIommuDriver(String driverName, String unitId, Predicate<RequesterId> scope, Trace trace) {
        this.driverName = driverName;
        this.unitId = unitId;
        this.scope = scope;
        this.trace = trace;
    }

    /** The default domain of a unit whose driver writes tables: pass-through (or an identity table) or DMA-API. */
    static DomainType identityOrDma(DomainType defaultType) {
        if (defaultType != DomainType.IDENTITY && defaultType != DomainType.DMA) {
            throw new IllegalArgumentException("a default domain is identity or DMA, not " + defaultType);
        }
        return defaultType;
    }

    @Override
    public final String driverName() {
        return driverName;
    }

    @Override
    public final String unitId() {
        return unitId;
    }

    @Override
    public final boolean covers(RequesterId rid) {
        return scope.test(rid);
    }

    @Override
    public final IommuDomain allocBlockingDomain() {
        return blocking;
    }

    /** The domain the driver last attached {@code rid} to, or null. */
    public final IommuDomain attachedDomain(RequesterId rid) {
        return attached.get(rid);
    }

    /** attach_dev's first check: a domain allocated by another unit's driver is EINVAL. */
    final void requireOwnDomain(IommuDomain domain) {
        if (domain.iommu() != this) {
            throw new ErrnoException(Errno.EINVAL, "domain of another IOMMU unit");
        }
    }

    /** domain_alloc_paging_flags: a flag no driver knows is EOPNOTSUPP. */
    final void requireKnownAllocFlags(int flags, String message) {
        if ((flags & ~(ALLOC_NEST_PARENT | ALLOC_DIRTY_TRACKING)) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, message + " 0x" + Integer.toHexString(flags));
        }
    }

    /**
     * Records that the hardware now has {@code rid} in {@code domain}, moving one attach count from
     * the previous domain to the new one; returns the previous domain, or null.
     */
    final IommuDomain recordAttach(RequesterId rid, IommuDomain domain) {
        IommuDomain old = attached.put(rid, domain);
        if (old instanceof DriverDomain d) {
            d.attached(-1);
        }
        if (domain instanceof DriverDomain d) {
            d.attached(1);
        }
        return old;
    }

    /** Forgets which domain {@code rid} was in, leaving the attach counts as they are. */
    final void forgetAttachment(RequesterId rid) {
        attached.remove(rid);
    }

    final void log(String format, Object... args) {
        if (trace.on(TraceCategory.IOMMU)) {
            trace.line(TraceCategory.IOMMU, unitId, String.format(format, args));
        }
    }
}
