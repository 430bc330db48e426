package dev.vplat.vfio.hostiommu;

import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuDomain;

/**
 * A domain with no page table of its own, one per unit and kind: blocking (DMA refused) or
 * pass-through identity. The driver that owns it programs the hardware from its type alone.
 */
record FixedDomain(DomainType type, HostIommu iommu) implements IommuDomain {
    @Override
    public String toString() {
        return type.wireName() + " domain of " + iommu.unitId();
    }
}
