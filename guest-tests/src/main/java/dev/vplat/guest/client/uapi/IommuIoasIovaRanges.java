package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_ioas_iova_ranges} (iommufd.h): size, ioas_id, num_iovas (in: capacity of
 * the array; out: total count), __reserved, allowed_iovas (user pointer), u64 out_iova_alignment.
 */
public record IommuIoasIovaRanges(int ioasId, int numIovas, long allowedIovas, long outIovaAlignment)
        implements UapiStruct {
    public static final int SIZE = 32;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(ioasId).u32(numIovas).u32(0)
                .u64(allowedIovas).u64(outIovaAlignment).toBytes();
    }

    public static IommuIoasIovaRanges decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        int ioas = r.u32();
        int num = r.u32();
        r.skip(4);
        return new IommuIoasIovaRanges(ioas, num, r.u64(), r.u64());
    }
}
