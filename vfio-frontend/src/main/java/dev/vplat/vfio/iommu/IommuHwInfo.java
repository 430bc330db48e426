package dev.vplat.vfio.iommu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What IOMMU_GET_HW_INFO reports for a device (include/uapi/linux/iommufd.h): the
 * {@code iommu_hw_info_type} and the type's little-endian struct, plus the iommufd
 * {@code out_capabilities} bits.
 */
public record IommuHwInfo(int type, byte[] data, long capabilities) {
    /** IOMMU_HW_INFO_TYPE_NONE: the driver reports nothing. */
    public static final int TYPE_NONE = 0;
    /** IOMMU_HW_INFO_TYPE_INTEL_VTD. */
    public static final int TYPE_INTEL_VTD = 1;
    /** IOMMU_HW_INFO_TYPE_SELFTEST, what the Linux mock driver reports. */
    public static final int TYPE_SELFTEST = 0xfeedbeef;
    /** IOMMU_HW_INFO_SELFTEST_REGVAL, the value the mock reports in {@code test_reg}. */
    public static final int SELFTEST_REGVAL = 0xdeadbeef;
    /** IOMMU_HW_CAP_DIRTY_TRACKING. */
    public static final long CAP_DIRTY_TRACKING = 1L << 0;

    public IommuHwInfo {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * struct iommu_hw_info_vtd {u32 flags; u32 __reserved; u64 cap_reg; u64 ecap_reg;}, with the
     * register values as the unit reports them.
     */
    public static IommuHwInfo intelVtd(int flags, long capReg, long ecapReg, long capabilities) {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(flags).putInt(0).putLong(capReg).putLong(ecapReg);
        return new IommuHwInfo(TYPE_INTEL_VTD, b.array(), capabilities);
    }

    /** struct iommu_test_hw_info {u32 flags; u32 test_reg;} as the Linux selftest driver fills it
     * (drivers/iommu/iommufd/iommufd_test.h). */
    public static IommuHwInfo selftest(long capabilities) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(SELFTEST_REGVAL);
        return new IommuHwInfo(TYPE_SELFTEST, b.array(), capabilities);
    }
}
