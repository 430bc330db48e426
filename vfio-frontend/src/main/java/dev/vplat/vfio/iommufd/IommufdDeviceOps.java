package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;

import java.util.List;

/**
 * What iommufd needs from the IOMMU core to bind one device (the calls device.c makes into
 * drivers/iommu/iommu.c). {@link IommuCoreDeviceOps} implements it for a device of the IOMMU
 * core; VFIO passes that to {@link IommufdContext#bindDevice}. Domain calls act on the device's whole group.
 */
public interface IommufdDeviceOps {
    /** dev_name(), for messages. */
    String name();

    /** The device's iommu_group; devices with equal groups share DMA ownership and attachment. */
    Object group();

    /** device_iommu_capable(IOMMU_CAP_CACHE_COHERENCY); iommufd refuses to bind without it (EINVAL). */
    boolean cacheCoherent();

    /** device_iommu_capable(IOMMU_CAP_DIRTY_TRACKING). */
    boolean dirtyTrackingCapable();

    /**
     * iommu_device_claim_dma_owner(dev, owner): EPERM when a kernel driver or another owner holds
     * the group, EBUSY when a private domain is attached; on success the group is on its blocking
     * domain.
     */
    void claimDmaOwner(Object owner);

    /** iommu_device_release_dma_owner: the last release returns the group to its default domain. */
    void releaseDmaOwner();

    /**
     * domain_alloc_paging_flags with enum iommufd_hwpt_alloc_flags (NEST_PARENT, DIRTY_TRACKING,
     * PASID); unsupported flags fail with EOPNOTSUPP.
     */
    PagingDomain allocPagingDomain(int flags);

    /** iommu_attach_group: from blocking to {@code domain}; EINVAL if the domain cannot serve this device. */
    void attachDomain(PagingDomain domain);

    /** iommu_group_replace_domain: from the current domain straight to {@code domain}, without blocking in between. */
    void replaceDomain(PagingDomain domain);

    /** iommu_detach_group: back to the blocking domain while still owned. */
    void detachDomain();

    /** iommu_get_group_resv_regions: IOVA ranges the device cannot use. */
    List<ReservedRegion> reservedRegions();

    /** iommu_ops.hw_info; null or type IOMMU_HW_INFO_TYPE_NONE when the driver reports none. */
    IommuHwInfo hwInfo();
}
