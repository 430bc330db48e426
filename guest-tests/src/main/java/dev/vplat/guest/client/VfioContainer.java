package dev.vplat.guest.client;

import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaMap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaUnmap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1Info;

import static dev.vplat.vfio.uapi.Uapi.sizeOf;
import static dev.vplat.vfio.uapi.VfioIoctl.*;

/**
 * The legacy VFIO container {@code /dev/vfio/vfio} (drivers/vfio/container.c, or iommufd's
 * VFIO compatibility when iommufd serves the node): add groups, choose the IOMMU type, map DMA.
 */
public final class VfioContainer extends FileHandle {
    VfioContainer(VplatClient client, int fd) {
        super(client, fd);
    }

    /** VFIO_GET_API_VERSION; 0 ({@code VFIO_API_VERSION}, {@link dev.vplat.vfio.uapi.VfioIoctl#API_VERSION}). */
    public int apiVersion() {
        return ioctl(GET_API_VERSION, 0L);
    }

    /** VFIO_CHECK_EXTENSION; 1 if supported (e.g. {@code VFIO_TYPE1v2_IOMMU}). */
    public int checkExtension(int extension) {
        return ioctl(CHECK_EXTENSION, extension);
    }

    /** VFIO_SET_IOMMU with {@code VFIO_TYPE1_IOMMU} or {@code VFIO_TYPE1v2_IOMMU}; needs a group first. */
    public void setIommu(int type) {
        ioctl(SET_IOMMU, type);
    }

    /** VFIO_IOMMU_GET_INFO, fixed part only. */
    public VfioIommuType1Info iommuInfo() {
        return ioctl(IOMMU_GET_INFO, iommuInfoArg(sizeOf(VfioIommuType1Info.class)));
    }

    /** VFIO_IOMMU_GET_INFO with room for a capability chain of {@code argsz − 24} bytes; the raw struct. */
    public byte[] iommuInfoRaw(int argsz) {
        return ioctlBytes(IOMMU_GET_INFO, iommuInfoArg(argsz), argsz);
    }

    private static VfioIommuType1Info iommuInfoArg(int argsz) {
        return new VfioIommuType1Info(argsz, 0, 0, 0, 0);
    }

    /** VFIO_IOMMU_MAP_DMA of user memory at a fixed IOVA. */
    public void mapDma(long vaddr, long iova, long size, int flags) {
        ioctl(IOMMU_MAP_DMA, new VfioIommuType1DmaMap(sizeOf(VfioIommuType1DmaMap.class), flags, vaddr, iova, size));
    }

    /** Maps a whole buffer readable and writable at {@code iova}. */
    public void mapDma(UserBuffer buffer, long iova) {
        mapDma(buffer.address(), iova, buffer.length(),
                DMA_MAP_FLAG_READ | DMA_MAP_FLAG_WRITE);
    }

    /** VFIO_IOMMU_UNMAP_DMA; the bytes unmapped. */
    public long unmapDma(long iova, long size, int flags) {
        return ioctl(IOMMU_UNMAP_DMA,
                new VfioIommuType1DmaUnmap(sizeOf(VfioIommuType1DmaUnmap.class), flags, iova, size)).size();
    }
}
