package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_option} (iommufd.h): size, option_id, u16 op, u16 __reserved, object_id,
 * u64 val64 (in for SET, out for GET).
 */
public record IommuOption(int optionId, int op, int objectId, long val64) implements UapiStruct {
    public static final int SIZE = 24;
    /** {@code enum iommufd_option}. */
    public static final int RLIMIT_MODE = 0, HUGE_PAGES = 1;
    /** {@code enum iommufd_option_ops}. */
    public static final int OP_SET = 0, OP_GET = 1;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(optionId).u16(op).u16(0).u32(objectId).u64(val64).toBytes();
    }

    public static IommuOption decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        int id = r.u32();
        int op = r.u16();
        r.skip(2);
        return new IommuOption(id, op, r.u32(), r.u64());
    }
}
