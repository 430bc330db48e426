package dev.vplat.guest.client.uapi;

/** {@code struct iommu_vfio_ioas} (iommufd.h): size, ioas_id (in/out), u16 op, u16 __reserved. */
public record IommuVfioIoas(int ioasId, int op) implements UapiStruct {
    public static final int SIZE = 12;
    /** {@code enum iommufd_vfio_ioas_op}. */
    public static final int GET = 0, SET = 1, CLEAR = 2;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(ioasId).u16(op).u16(0).toBytes();
    }

    public static IommuVfioIoas decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new IommuVfioIoas(r.u32(), r.u16());
    }
}
