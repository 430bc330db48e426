package dev.vplat.guest.client.uapi;

/** {@code struct vfio_iommu_type1_dma_map} (vfio.h, 32 bytes): argsz, flags, u64 vaddr, u64 iova, u64 size. */
public record VfioIommuType1DmaMap(int flags, long vaddr, long iova, long size) implements UapiStruct {
    public static final int SIZE = 32;
    /** {@code VFIO_DMA_MAP_FLAG_*}. */
    public static final int FLAG_READ = 1, FLAG_WRITE = 1 << 1, FLAG_VADDR = 1 << 2;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u64(vaddr).u64(iova).u64(size).toBytes();
    }
}
