package dev.vplat.vfio.uapi;

/**
 * ioctl request codes and flag values of include/uapi/linux/iommufd.h (Linux 6.18) and the
 * selftest command of drivers/iommu/iommufd/iommufd_test.h. Every iommufd command is
 * {@code _IO(IOMMUFD_TYPE, nr)}, so the request code carries no size or direction bits:
 * {@code 0x3b00 | nr}.
 */
public final class IommufdIoctl {
    public static final int IOMMUFD_TYPE = ';';
    public static final int CMD_BASE = 0x80;

    public static final int IOMMU_DESTROY = io(0x80);
    public static final int IOMMU_IOAS_ALLOC = io(0x81);
    public static final int IOMMU_IOAS_ALLOW_IOVAS = io(0x82);
    public static final int IOMMU_IOAS_COPY = io(0x83);
    public static final int IOMMU_IOAS_IOVA_RANGES = io(0x84);
    public static final int IOMMU_IOAS_MAP = io(0x85);
    public static final int IOMMU_IOAS_UNMAP = io(0x86);
    public static final int IOMMU_OPTION = io(0x87);
    public static final int IOMMU_VFIO_IOAS = io(0x88);
    public static final int IOMMU_HWPT_ALLOC = io(0x89);
    public static final int IOMMU_GET_HW_INFO = io(0x8a);
    public static final int IOMMU_HWPT_SET_DIRTY_TRACKING = io(0x8b);
    public static final int IOMMU_HWPT_GET_DIRTY_BITMAP = io(0x8c);
    public static final int IOMMU_HWPT_INVALIDATE = io(0x8d);
    public static final int IOMMU_FAULT_QUEUE_ALLOC = io(0x8e);
    public static final int IOMMU_IOAS_MAP_FILE = io(0x8f);
    public static final int IOMMU_VIOMMU_ALLOC = io(0x90);
    public static final int IOMMU_VDEVICE_ALLOC = io(0x91);
    public static final int IOMMU_IOAS_CHANGE_PROCESS = io(0x92);
    public static final int IOMMU_VEVENTQ_ALLOC = io(0x93);
    public static final int IOMMU_HW_QUEUE_ALLOC = io(0x94);
    /** Highest command number of the 6.18 table; the kernel's table ends here without CONFIG_IOMMUFD_TEST. */
    public static final int LAST_CMD_NR = 0x94;
    /** IOMMUFD_CMD_BASE + 32, present only in kernels built with CONFIG_IOMMUFD_TEST. */
    public static final int IOMMU_TEST_CMD = io(0xa0);

    /** enum iommufd_ioas_map_flags (MAP, MAP_FILE, COPY). */
    public static final int IOAS_MAP_FIXED_IOVA = 1 << 0;
    public static final int IOAS_MAP_WRITEABLE = 1 << 1;
    public static final int IOAS_MAP_READABLE = 1 << 2;

    /** enum iommufd_option and enum iommufd_option_ops. */
    public static final int OPTION_RLIMIT_MODE = 0;
    public static final int OPTION_HUGE_PAGES = 1;
    public static final int OPTION_OP_SET = 0;
    public static final int OPTION_OP_GET = 1;

    /** enum iommufd_vfio_ioas_op. */
    public static final int VFIO_IOAS_GET = 0;
    public static final int VFIO_IOAS_SET = 1;
    public static final int VFIO_IOAS_CLEAR = 2;

    /** enum iommufd_hwpt_alloc_flags. */
    public static final int HWPT_ALLOC_NEST_PARENT = 1 << 0;
    public static final int HWPT_ALLOC_DIRTY_TRACKING = 1 << 1;
    public static final int HWPT_FAULT_ID_VALID = 1 << 2;
    public static final int HWPT_ALLOC_PASID = 1 << 3;

    /** enum iommu_hwpt_data_type. */
    public static final int HWPT_DATA_NONE = 0;
    public static final int HWPT_DATA_VTD_S1 = 1;
    public static final int HWPT_DATA_ARM_SMMUV3 = 2;

    /** enum iommu_hw_info_type and iommufd_hw_info_flags. */
    public static final int HW_INFO_TYPE_NONE = 0;
    public static final int HW_INFO_TYPE_DEFAULT = 0;
    public static final int HW_INFO_TYPE_INTEL_VTD = 1;
    public static final int HW_INFO_TYPE_ARM_SMMUV3 = 2;
    public static final int HW_INFO_FLAG_INPUT_TYPE = 1 << 0;

    /** enum iommufd_hw_capabilities. */
    public static final long HW_CAP_DIRTY_TRACKING = 1 << 0;
    public static final long HW_CAP_PCI_PASID_EXEC = 1 << 1;
    public static final long HW_CAP_PCI_PASID_PRIV = 1 << 2;

    /** enum iommufd_hwpt_set_dirty_tracking_flags and iommufd_hwpt_get_dirty_bitmap_flags. */
    public static final int HWPT_DIRTY_TRACKING_ENABLE = 1;
    public static final int HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1;

    private IommufdIoctl() {
    }

    /** _IO(IOMMUFD_TYPE, nr). */
    public static int io(int nr) {
        return (IOMMUFD_TYPE << 8) | nr;
    }

    public static int nr(int request) {
        return request & 0xff;
    }
}
