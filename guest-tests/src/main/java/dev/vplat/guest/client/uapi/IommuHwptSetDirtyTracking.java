package dev.vplat.guest.client.uapi;

/** {@code struct iommu_hwpt_set_dirty_tracking} (iommufd.h): size, flags (ENABLE = 1), hwpt_id, __reserved. */
public record IommuHwptSetDirtyTracking(int flags, int hwptId) implements UapiStruct {
    public static final int SIZE = 16;
    public static final int ENABLE = 1;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(hwptId).u32(0).toBytes();
    }
}
