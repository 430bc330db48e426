package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_ioas_unmap} (iommufd.h): size, ioas_id, u64 iova, u64 length (in: range;
 * out: bytes unmapped). {@code iova 0, length ~0} unmaps everything.
 */
public record IommuIoasUnmap(int ioasId, long iova, long length) implements UapiStruct {
    public static final int SIZE = 24;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(ioasId).u64(iova).u64(length).toBytes();
    }

    public static IommuIoasUnmap decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new IommuIoasUnmap(r.u32(), r.u64(), r.u64());
    }
}
