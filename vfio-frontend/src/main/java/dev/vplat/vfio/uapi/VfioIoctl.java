package dev.vplat.vfio.uapi;

/**
 * ioctl request codes and flag values of include/uapi/linux/vfio.h (Linux 6.18). Every VFIO
 * command is {@code _IO(VFIO_TYPE, VFIO_BASE + n)} with VFIO_TYPE ';' and VFIO_BASE 100, so a
 * request code carries no size or direction bits: {@code 0x3b00 | (100 + n)}. The same numbers
 * mean different commands on different fds (0x70..0x75 are device ioctls on a device fd and
 * IOMMU ioctls on a container).
 */
public final class VfioIoctl {
    public static final int VFIO_TYPE = ';';
    public static final int VFIO_BASE = 100;

    public static final int GET_API_VERSION = io(0);
    public static final int CHECK_EXTENSION = io(1);
    public static final int SET_IOMMU = io(2);
    public static final int GROUP_GET_STATUS = io(3);
    public static final int GROUP_SET_CONTAINER = io(4);
    public static final int GROUP_UNSET_CONTAINER = io(5);
    public static final int GROUP_GET_DEVICE_FD = io(6);
    public static final int DEVICE_GET_INFO = io(7);
    public static final int DEVICE_GET_REGION_INFO = io(8);
    public static final int DEVICE_GET_IRQ_INFO = io(9);
    public static final int DEVICE_SET_IRQS = io(10);
    public static final int DEVICE_RESET = io(11);
    public static final int DEVICE_GET_PCI_HOT_RESET_INFO = io(12);
    public static final int IOMMU_GET_INFO = io(12);
    public static final int DEVICE_PCI_HOT_RESET = io(13);
    public static final int IOMMU_MAP_DMA = io(13);
    public static final int IOMMU_UNMAP_DMA = io(14);
    public static final int DEVICE_FEATURE = io(17);
    public static final int IOMMU_DIRTY_PAGES = io(17);
    public static final int DEVICE_BIND_IOMMUFD = io(18);
    public static final int DEVICE_ATTACH_IOMMUFD_PT = io(19);
    public static final int DEVICE_DETACH_IOMMUFD_PT = io(20);

    /** VFIO_API_VERSION, what GET_API_VERSION returns. */
    public static final int API_VERSION = 0;

    /** Extension ids for CHECK_EXTENSION and types for SET_IOMMU. */
    public static final int TYPE1_IOMMU = 1;
    public static final int SPAPR_TCE_IOMMU = 2;
    public static final int TYPE1V2_IOMMU = 3;
    public static final int DMA_CC_IOMMU = 4;
    public static final int EEH = 5;
    public static final int RESERVED_TYPE1_NESTING_IOMMU = 6;
    public static final int SPAPR_TCE_V2_IOMMU = 7;
    public static final int NOIOMMU_IOMMU = 8;
    public static final int UNMAP_ALL = 9;
    public static final int UPDATE_VADDR = 10;

    /** struct vfio_group_status flags. */
    public static final int GROUP_FLAGS_VIABLE = 1 << 0;
    public static final int GROUP_FLAGS_CONTAINER_SET = 1 << 1;

    /** struct vfio_device_info flags. */
    public static final int DEVICE_FLAGS_RESET = 1 << 0;
    public static final int DEVICE_FLAGS_PCI = 1 << 1;
    public static final int DEVICE_FLAGS_CAPS = 1 << 7;

    /** struct vfio_region_info flags and capability ids. */
    public static final int REGION_INFO_FLAG_READ = 1 << 0;
    public static final int REGION_INFO_FLAG_WRITE = 1 << 1;
    public static final int REGION_INFO_FLAG_MMAP = 1 << 2;
    public static final int REGION_INFO_FLAG_CAPS = 1 << 3;
    public static final int REGION_INFO_CAP_MSIX_MAPPABLE = 3;

    /** vfio-pci fixed region indexes and VFIO_PCI_OFFSET_SHIFT. */
    public static final int PCI_BAR0_REGION_INDEX = 0;
    public static final int PCI_BAR5_REGION_INDEX = 5;
    public static final int PCI_ROM_REGION_INDEX = 6;
    public static final int PCI_CONFIG_REGION_INDEX = 7;
    public static final int PCI_VGA_REGION_INDEX = 8;
    public static final int PCI_NUM_REGIONS = 9;
    public static final int PCI_OFFSET_SHIFT = 40;

    /** struct vfio_irq_info flags. */
    public static final int IRQ_INFO_EVENTFD = 1 << 0;
    public static final int IRQ_INFO_MASKABLE = 1 << 1;
    public static final int IRQ_INFO_AUTOMASKED = 1 << 2;
    public static final int IRQ_INFO_NORESIZE = 1 << 3;

    /** vfio-pci fixed IRQ indexes. */
    public static final int PCI_INTX_IRQ_INDEX = 0;
    public static final int PCI_MSI_IRQ_INDEX = 1;
    public static final int PCI_MSIX_IRQ_INDEX = 2;
    public static final int PCI_ERR_IRQ_INDEX = 3;
    public static final int PCI_REQ_IRQ_INDEX = 4;
    public static final int PCI_NUM_IRQS = 5;

    /** struct vfio_irq_set flags. */
    public static final int IRQ_SET_DATA_NONE = 1 << 0;
    public static final int IRQ_SET_DATA_BOOL = 1 << 1;
    public static final int IRQ_SET_DATA_EVENTFD = 1 << 2;
    public static final int IRQ_SET_ACTION_MASK = 1 << 3;
    public static final int IRQ_SET_ACTION_UNMASK = 1 << 4;
    public static final int IRQ_SET_ACTION_TRIGGER = 1 << 5;
    public static final int IRQ_SET_DATA_TYPE_MASK = IRQ_SET_DATA_NONE | IRQ_SET_DATA_BOOL | IRQ_SET_DATA_EVENTFD;
    public static final int IRQ_SET_ACTION_TYPE_MASK = IRQ_SET_ACTION_MASK | IRQ_SET_ACTION_UNMASK
            | IRQ_SET_ACTION_TRIGGER;

    /** struct vfio_iommu_type1_info flags and capability ids. */
    public static final int IOMMU_INFO_PGSIZES = 1 << 0;
    public static final int IOMMU_INFO_CAPS = 1 << 1;
    public static final int IOMMU_TYPE1_INFO_CAP_IOVA_RANGE = 1;
    public static final int IOMMU_TYPE1_INFO_CAP_MIGRATION = 2;
    public static final int IOMMU_TYPE1_INFO_DMA_AVAIL = 3;

    /** struct vfio_iommu_type1_dma_map and _unmap flags. */
    public static final int DMA_MAP_FLAG_READ = 1 << 0;
    public static final int DMA_MAP_FLAG_WRITE = 1 << 1;
    public static final int DMA_MAP_FLAG_VADDR = 1 << 2;
    public static final int DMA_UNMAP_FLAG_GET_DIRTY_BITMAP = 1 << 0;
    public static final int DMA_UNMAP_FLAG_ALL = 1 << 1;
    public static final int DMA_UNMAP_FLAG_VADDR = 1 << 2;

    /** cdev flags (6.6+, TOKEN 6.17, PASID 6.15). */
    public static final int DEVICE_BIND_FLAG_TOKEN = 1 << 0;
    public static final int DEVICE_ATTACH_PASID = 1 << 0;
    public static final int DEVICE_DETACH_PASID = 1 << 0;

    private VfioIoctl() {
    }

    /** _IO(VFIO_TYPE, VFIO_BASE + n). */
    public static int io(int n) {
        return (VFIO_TYPE << 8) | (VFIO_BASE + n);
    }

    /** The file offset of a vfio-pci region (VFIO_PCI_INDEX_TO_OFFSET). */
    public static long regionOffset(int index) {
        return (long) index << PCI_OFFSET_SHIFT;
    }
}
