package dev.vplat.vfio.iommu;

/**
 * Who uses a group for DMA (drivers/iommu/iommu.c: {@code owner_cnt} and {@code owner}). The wire
 * names are the ones MACHINE_INFO prints.
 */
public enum DmaOwnership {
    /** owner_cnt == 0: no driver and no user uses the group. */
    NONE("none"),
    /** owner_cnt &gt; 0, owner == NULL: kernel drivers use it through the DMA API. */
    KERNEL("kernel"),
    /** owner_cnt &gt; 0, owner != NULL: a user (VFIO group, iommufd context) owns it. */
    USER("user");

    private final String wireName;

    DmaOwnership(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
