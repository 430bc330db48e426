package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_hwpt_get_dirty_bitmap} (iommufd.h, 48 bytes): size, hwpt_id, flags
 * (NO_CLEAR = 1), __reserved, u64 iova, u64 length, u64 page_size, u64 data (user pointer to the
 * bitmap, one bit per page_size page).
 */
public record IommuHwptGetDirtyBitmap(int hwptId, int flags, long iova, long length, long pageSize, long data)
        implements UapiStruct {
    public static final int SIZE = 48;
    public static final int NO_CLEAR = 1;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(hwptId).u32(flags).u32(0)
                .u64(iova).u64(length).u64(pageSize).u64(data).toBytes();
    }
}
