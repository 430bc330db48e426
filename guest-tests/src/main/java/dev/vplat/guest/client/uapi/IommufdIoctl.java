package dev.vplat.guest.client.uapi;

/**
 * iommufd ioctl request codes (include/uapi/linux/iommufd.h): {@code _IO(';', 0x80 + n)}, so the
 * code is {@code 0x3b00 | nr} with no size or direction bits; the struct's leading {@code size}
 * field carries its length instead.
 */
public final class IommufdIoctl {
    /** {@code IOMMUFD_TYPE}, the ioctl type byte ';'. */
    public static final int TYPE = 0x3b;

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

    private IommufdIoctl() {
    }

    /** {@code _IO(type, nr)} on the shared ';' type. */
    public static int io(int nr) {
        return (TYPE << 8) | nr;
    }
}
