package dev.vplat.vfio.iommu;

/**
 * A range a device cannot use for DMA mappings (include/linux/iommu.h iommu_resv_region): the
 * x86 MSI window, a software MSI doorbell on Arm, or a region added by a test. Inclusive end.
 */
public record ReservedRegion(long start, long last, Type type) {
    public enum Type { MSI, SW_MSI, RESERVED, DIRECT }
}
