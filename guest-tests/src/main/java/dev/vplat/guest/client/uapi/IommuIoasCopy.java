package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_ioas_copy} (iommufd.h): size, flags, dst_ioas_id, src_ioas_id, u64 length,
 * u64 dst_iova (in/out), u64 src_iova. Flags as {@link IommuIoasMap}.
 */
public record IommuIoasCopy(int flags, int dstIoasId, int srcIoasId, long length, long dstIova, long srcIova)
        implements UapiStruct {
    public static final int SIZE = 40;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(dstIoasId).u32(srcIoasId)
                .u64(length).u64(dstIova).u64(srcIova).toBytes();
    }

    public static IommuIoasCopy decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new IommuIoasCopy(r.u32(), r.u32(), r.u32(), r.u64(), r.u64(), r.u64());
    }
}
