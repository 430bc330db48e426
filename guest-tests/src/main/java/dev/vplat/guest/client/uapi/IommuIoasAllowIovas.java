package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_ioas_allow_iovas} (iommufd.h): size, ioas_id, num_iovas, __reserved,
 * allowed_iovas (user pointer to {@code num_iovas} {@link IommuIovaRange}s).
 */
public record IommuIoasAllowIovas(int ioasId, int numIovas, long allowedIovas) implements UapiStruct {
    public static final int SIZE = 24;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(ioasId).u32(numIovas).u32(0).u64(allowedIovas).toBytes();
    }
}
