package dev.vplat.vfio.iommu;

/**
 * Per-device IOMMU capabilities a host driver answers for (include/linux/iommu.h enum iommu_cap,
 * asked through device_iommu_capable). iommufd refuses to bind a device without
 * {@link #CACHE_COHERENCY} and offers dirty tracking only with {@link #DIRTY_TRACKING}.
 */
public enum IommuCap {
    /** IOMMU_CAP_CACHE_COHERENCY: the IOMMU can enforce cache-coherent DMA (IOMMU_CACHE). */
    CACHE_COHERENCY,
    /** IOMMU_CAP_DIRTY_TRACKING: the IOMMU can track pages the device dirties. */
    DIRTY_TRACKING
}
