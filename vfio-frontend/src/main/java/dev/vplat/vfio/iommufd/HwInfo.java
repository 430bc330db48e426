package dev.vplat.vfio.iommufd;

/**
 * What an IOMMU driver reports for IOMMU_GET_HW_INFO (iommu_ops.hw_info): the enum
 * iommu_hw_info_type value and the type's struct bytes, e.g. an encoded
 * {@link dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfoVtd} for VT-d.
 */
public record HwInfo(int type, byte[] data) {
}
