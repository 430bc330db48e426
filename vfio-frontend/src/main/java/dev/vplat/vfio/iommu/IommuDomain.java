package dev.vplat.vfio.iommu;

/**
 * An IOMMU domain (struct iommu_domain): an address space that one or more groups are attached
 * to. It belongs to the host IOMMU unit that allocated it; attaching it to a device behind another
 * unit fails with EINVAL, as Linux's attach_dev does for incompatible domains.
 */
public interface IommuDomain {
    DomainType type();

    /** The unit whose driver allocated the domain and realizes it in hardware. */
    HostIommu iommu();
}
