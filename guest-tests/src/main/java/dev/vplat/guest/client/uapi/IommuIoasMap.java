package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_ioas_map} (iommufd.h): size, flags, ioas_id, __reserved, u64 user_va,
 * u64 length, u64 iova (in with FIXED_IOVA, else out).
 */
public record IommuIoasMap(int flags, int ioasId, long userVa, long length, long iova) implements UapiStruct {
    public static final int SIZE = 40;
    /** {@code enum iommufd_ioas_map_flags}. */
    public static final int FIXED_IOVA = 1, WRITEABLE = 1 << 1, READABLE = 1 << 2;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(ioasId).u32(0)
                .u64(userVa).u64(length).u64(iova).toBytes();
    }

    public static IommuIoasMap decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        int flags = r.u32();
        int ioas = r.u32();
        r.skip(4);
        return new IommuIoasMap(flags, ioas, r.u64(), r.u64(), r.u64());
    }
}
