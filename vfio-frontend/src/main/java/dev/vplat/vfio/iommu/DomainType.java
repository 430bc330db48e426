package dev.vplat.vfio.iommu;

/**
 * The kinds of IOMMU domain the core distinguishes (include/linux/iommu.h IOMMU_DOMAIN_*).
 * The wire names are the ones MACHINE_INFO prints for a group's current domain.
 */
public enum DomainType {
    /** All DMA is blocked (IOMMU_DOMAIN_BLOCKED); what a group sits in while a user owns it. */
    BLOCKED("blocking"),
    /** DMA addresses are physical addresses (IOMMU_DOMAIN_IDENTITY, pass-through). */
    IDENTITY("identity"),
    /** Translated, mappings made by kernel drivers through the DMA API (IOMMU_DOMAIN_DMA). */
    DMA("default"),
    /** Translated, mappings made by a user (IOMMU_DOMAIN_UNMANAGED: VFIO, iommufd). */
    UNMANAGED("paging");

    private final String wireName;

    DomainType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
