package dev.vplat.vfio.hostiommu;

import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.PagingDomain;

/**
 * What every host driver keeps for a translating domain besides its table: the struct
 * iommu_domain part (type, owning unit, driver name) and how many devices the driver has
 * attached to it, which must be none when the domain is freed (the kernel WARNs on freeing an
 * attached domain). {@link HostIommuDriver#recordAttach} keeps the count.
 */
abstract class DriverDomain implements PagingDomain {
    private final HostIommu unit;
    private final DomainType type;
    private int attachedDevices;

    DriverDomain(HostIommu unit, DomainType type) {
        this.unit = unit;
        this.type = type;
    }

    @Override
    public final DomainType type() {
        return type;
    }

    @Override
    public final HostIommu iommu() {
        return unit;
    }

    @Override
    public final String driverName() {
        return unit.driverName();
    }

    final void attached(int delta) {
        attachedDevices += delta;
    }

    /** Refuses to free a domain a device is still attached to. */
    final void requireDetached() {
        if (attachedDevices > 0) {
            throw new IllegalStateException(this + " is still attached to " + attachedDevices + " device(s)");
        }
    }
}
