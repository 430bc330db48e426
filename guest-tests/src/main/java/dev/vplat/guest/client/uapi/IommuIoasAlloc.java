package dev.vplat.guest.client.uapi;

/** {@code struct iommu_ioas_alloc} (iommufd.h): size, flags (must be 0), out_ioas_id. */
public record IommuIoasAlloc(int flags, int outIoasId) implements UapiStruct {
    public static final int SIZE = 12;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(outIoasId).toBytes();
    }

    public static IommuIoasAlloc decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new IommuIoasAlloc(r.u32(), r.u32());
    }
}
