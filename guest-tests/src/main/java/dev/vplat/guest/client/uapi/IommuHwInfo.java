package dev.vplat.guest.client.uapi;

/**
 * {@code struct iommu_hw_info} (iommufd.h, 40 bytes): size, flags, dev_id, data_len (in: buffer
 * size; out: the driver's size), u64 data_uptr, in/out_data_type (a union), u8
 * out_max_pasid_log2, u8 __reserved[3], u64 out_capabilities.
 */
public record IommuHwInfo(int flags, int devId, int dataLen, long dataUptr, int dataType, int outMaxPasidLog2,
                          long outCapabilities) implements UapiStruct {
    public static final int SIZE = 40;
    /** {@code enum iommu_hw_info_type}. */
    public static final int TYPE_NONE = 0, TYPE_INTEL_VTD = 1, TYPE_ARM_SMMUV3 = 2;
    /** {@code IOMMU_HW_INFO_FLAG_INPUT_TYPE}: in_data_type selects the type to report. */
    public static final int FLAG_INPUT_TYPE = 1;
    /** {@code enum iommufd_hw_capabilities}. */
    public static final long CAP_DIRTY_TRACKING = 1, CAP_PCI_PASID_EXEC = 1 << 1, CAP_PCI_PASID_PRIV = 1 << 2;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(devId).u32(dataLen).u64(dataUptr).u32(dataType)
                .u8(outMaxPasidLog2).zeros(3).u64(outCapabilities).toBytes();
    }

    public static IommuHwInfo decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        int flags = r.u32();
        int dev = r.u32();
        int len = r.u32();
        long uptr = r.u64();
        int type = r.u32();
        int pasid = r.u8();
        r.skip(3);
        return new IommuHwInfo(flags, dev, len, uptr, type, pasid, r.u64());
    }
}
