package dev.vplat.vfio.uapi;

/**
 * The structs of include/uapi/linux/vfio.h (Linux 6.18), member for member; see {@link Uapi}
 * for how a record maps to the C layout. Every command struct starts with {@code argsz}, the
 * number of bytes the caller provides; the kernel reads only up to its {@code minsz}
 * (offsetofend of the last mandatory member) and writes back no more than that.
 */
public final class VfioStructs {
    private VfioStructs() {
    }

    /** struct vfio_info_cap_header: every capability of a chain starts with it. */
    public record VfioInfoCapHeader(short id, short version, int next) { }

    /** struct vfio_group_status. */
    public record VfioGroupStatus(int argsz, int flags) { }

    /** struct vfio_device_info. */
    public record VfioDeviceInfo(int argsz, int flags, int numRegions, int numIrqs, int capOffset, int pad) { }

    /** struct vfio_region_info. */
    public record VfioRegionInfo(int argsz, int flags, int index, int capOffset, long size, long offset) { }

    /** struct vfio_irq_info. */
    public record VfioIrqInfo(int argsz, int flags, int index, int count) { }

    /** struct vfio_irq_set without its flexible {@code data[]} tail. */
    public record VfioIrqSet(int argsz, int flags, int index, int start, int count) { }

    /** struct vfio_device_bind_iommufd (token_uuid_ptr since 6.17, behind BIND_FLAG_TOKEN). */
    public record VfioDeviceBindIommufd(int argsz, int flags, int iommufd, int outDevid, long tokenUuidPtr) { }

    /** struct vfio_device_attach_iommufd_pt (pasid since 6.15, behind ATTACH_PASID). */
    public record VfioDeviceAttachIommufdPt(int argsz, int flags, int ptId, int pasid) { }

    /** struct vfio_device_detach_iommufd_pt. */
    public record VfioDeviceDetachIommufdPt(int argsz, int flags, int pasid) { }

    /** struct vfio_iommu_type1_info. */
    public record VfioIommuType1Info(int argsz, int flags, long iovaPgsizes, int capOffset, int pad) { }

    /** struct vfio_iommu_type1_info_dma_avail (header inlined). */
    public record VfioIommuType1InfoDmaAvail(short id, short version, int next, int avail) { }

    /** struct vfio_iommu_type1_info_cap_iova_range without its ranges (header inlined). */
    public record VfioIommuType1InfoCapIovaRange(short id, short version, int next, int nrIovas, int reserved) { }

    /** struct vfio_iova_range: an inclusive IOVA interval. */
    public record VfioIovaRange(long start, long end) { }

    /** struct vfio_iommu_type1_dma_map. */
    public record VfioIommuType1DmaMap(int argsz, int flags, long vaddr, long iova, long size) { }

    /** struct vfio_iommu_type1_dma_unmap without its flexible {@code data[]} tail. */
    public record VfioIommuType1DmaUnmap(int argsz, int flags, long iova, long size) { }
}
