package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_hwpt_alloc} (iommufd.h, 48 bytes): size, flags, dev_id, pt_id,
 * out_hwpt_id, __reserved, data_type, data_len, u64 data_uptr, fault_id, __reserved2.
 */
public record IommuHwptAlloc(int flags, int devId, int ptId, int outHwptId, int dataType, int dataLen,
                             long dataUptr, int faultId) implements UapiStruct {
    public static final int SIZE = 48;
    /** {@code enum iommufd_hwpt_alloc_flags}. */
    public static final int NEST_PARENT = 1, DIRTY_TRACKING = 1 << 1, FAULT_ID_VALID = 1 << 2, ALLOC_PASID = 1 << 3;
    /** {@code enum iommu_hwpt_data_type}. */
    public static final int DATA_NONE = 0, DATA_VTD_S1 = 1, DATA_ARM_SMMUV3 = 2;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(devId).u32(ptId).u32(outHwptId).u32(0)
                .u32(dataType).u32(dataLen).u64(dataUptr).u32(faultId).u32(0).toBytes();
    }

    public static IommuHwptAlloc decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        int flags = r.u32();
        int dev = r.u32();
        int pt = r.u32();
        int out = r.u32();
        r.skip(4);
        return new IommuHwptAlloc(flags, dev, pt, out, r.u32(), r.u32(), r.u64(), r.u32());
    }
}
