package dev.vplat.vfio.iommu;

import dev.vplat.pci.RequesterId;

import java.util.List;

/**
 * One host-owned IOMMU unit as the IOMMU core sees it through its host driver: Linux's
 * {@code struct iommu_device} together with the driver's {@code iommu_ops}. The driver realizes
 * domains in the unit's hardware; the core decides which domain each group is in.
 */
public interface HostIommu {
    /** IOMMU_HWPT_ALLOC_NEST_PARENT: the domain may be the parent of a nested domain. */
    int ALLOC_NEST_PARENT = 1 << 0;
    /** IOMMU_HWPT_ALLOC_DIRTY_TRACKING: the domain must track dirty pages in hardware. */
    int ALLOC_DIRTY_TRACKING = 1 << 1;

    /** The unit's id in the machine, e.g. {@code dmar0}. */
    String unitId();

    /** The host driver's name, as {@link PagingDomain#driverName()} reports it. */
    String driverName();

    /** Whether DMA from {@code rid} goes through this unit (its DRHD device scope). */
    boolean covers(RequesterId rid);

    /**
     * How devices form groups behind this unit (iommu_ops.device_group): PCI topology rules for a
     * PCI IOMMU (pci_device_group), or one group per device (generic_device_group, the mock).
     */
    boolean groupsPerDevice();

    /** Allocates the domain a new group starts in: DMA-API or identity, as the unit is configured. */
    IommuDomain allocDefaultDomain();

    /** Allocates a domain that blocks all DMA of the devices attached to it. */
    IommuDomain allocBlockingDomain();

    /**
     * Allocates an unmanaged paging domain (domain_alloc_paging_flags).
     *
     * @param flags {@link #ALLOC_NEST_PARENT}, {@link #ALLOC_DIRTY_TRACKING}; EOPNOTSUPP when the
     *              unit cannot honour one, or for an unknown flag
     */
    PagingDomain allocPagingDomain(int flags);

    /**
     * Programs the hardware so DMA from {@code rid} uses {@code domain} (attach_dev). Must leave
     * the device's previous translation in place when it fails.
     */
    void attachDevice(IommuDomain domain, RequesterId rid);

    /** iommu_ops.capable: whether the unit offers {@code cap} for the device. */
    boolean capable(RequesterId rid, IommuCap cap);

    /** Reserved IOVA ranges of the device (get_resv_regions), e.g. the x86 MSI window. */
    List<ReservedRegion> reservedRegions(RequesterId rid);

    /** What IOMMU_GET_HW_INFO reports, read from the unit itself. */
    IommuHwInfo hwInfo();
}
