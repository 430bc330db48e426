package dev.vplat.guest.client.uapi;

/**
 * VFIO ioctl request codes and constants (include/uapi/linux/vfio.h): {@code _IO(';', 100 + n)},
 * the same type byte as iommufd with numbers 0x64.. so they never collide. Some numbers are
 * shared between the container and the device fd; the fd decides the meaning.
 */
public final class VfioIoctl {
    public static final int VFIO_API_VERSION = 0;

    public static final int VFIO_GET_API_VERSION = IommufdIoctl.io(0x64);
    public static final int VFIO_CHECK_EXTENSION = IommufdIoctl.io(0x65);
    public static final int VFIO_SET_IOMMU = IommufdIoctl.io(0x66);
    public static final int VFIO_GROUP_GET_STATUS = IommufdIoctl.io(0x67);
    public static final int VFIO_GROUP_SET_CONTAINER = IommufdIoctl.io(0x68);
    public static final int VFIO_GROUP_UNSET_CONTAINER = IommufdIoctl.io(0x69);
    public static final int VFIO_GROUP_GET_DEVICE_FD = IommufdIoctl.io(0x6a);
    public static final int VFIO_DEVICE_GET_INFO = IommufdIoctl.io(0x6b);
    public static final int VFIO_DEVICE_GET_REGION_INFO = IommufdIoctl.io(0x6c);
    public static final int VFIO_DEVICE_GET_IRQ_INFO = IommufdIoctl.io(0x6d);
    public static final int VFIO_DEVICE_SET_IRQS = IommufdIoctl.io(0x6e);
    public static final int VFIO_DEVICE_RESET = IommufdIoctl.io(0x6f);
    public static final int VFIO_IOMMU_GET_INFO = IommufdIoctl.io(0x70);
    public static final int VFIO_IOMMU_MAP_DMA = IommufdIoctl.io(0x71);
    public static final int VFIO_IOMMU_UNMAP_DMA = IommufdIoctl.io(0x72);
    public static final int VFIO_DEVICE_BIND_IOMMUFD = IommufdIoctl.io(0x76);
    public static final int VFIO_DEVICE_ATTACH_IOMMUFD_PT = IommufdIoctl.io(0x77);
    public static final int VFIO_DEVICE_DETACH_IOMMUFD_PT = IommufdIoctl.io(0x78);

    /** VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments. */
    public static final int VFIO_TYPE1_IOMMU = 1, VFIO_SPAPR_TCE_IOMMU = 2, VFIO_TYPE1v2_IOMMU = 3,
            VFIO_DMA_CC_IOMMU = 4, VFIO_NOIOMMU_IOMMU = 8, VFIO_UNMAP_ALL = 9, VFIO_UPDATE_VADDR = 10;

    /** vfio-pci fixed region indexes; the file offset of region i is {@code i << 40}. */
    public static final int VFIO_PCI_BAR0_REGION_INDEX = 0, VFIO_PCI_ROM_REGION_INDEX = 6,
            VFIO_PCI_CONFIG_REGION_INDEX = 7, VFIO_PCI_VGA_REGION_INDEX = 8;
    public static final int VFIO_PCI_OFFSET_SHIFT = 40;

    /** vfio-pci IRQ indexes. */
    public static final int VFIO_PCI_INTX_IRQ_INDEX = 0, VFIO_PCI_MSI_IRQ_INDEX = 1, VFIO_PCI_MSIX_IRQ_INDEX = 2,
            VFIO_PCI_ERR_IRQ_INDEX = 3, VFIO_PCI_REQ_IRQ_INDEX = 4;

    private VfioIoctl() {
    }

    /** The pread/pwrite offset of byte {@code offset} of region {@code index}. */
    public static long regionOffset(int index, long offset) {
        return ((long) index << VFIO_PCI_OFFSET_SHIFT) + offset;
    }
}
