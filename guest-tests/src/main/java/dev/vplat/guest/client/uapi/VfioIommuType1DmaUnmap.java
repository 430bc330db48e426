package dev.vplat.guest.client.uapi;

/**
 * {@code struct vfio_iommu_type1_dma_unmap} (vfio.h, 24 bytes without the dirty bitmap): argsz,
 * flags, u64 iova, u64 size (in: range; out: bytes unmapped).
 */
public record VfioIommuType1DmaUnmap(int flags, long iova, long size) implements UapiStruct {
    public static final int SIZE = 24;
    /** {@code VFIO_DMA_UNMAP_FLAG_*}. */
    public static final int FLAG_GET_DIRTY_BITMAP = 1, FLAG_ALL = 1 << 1, FLAG_VADDR = 1 << 2;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u64(iova).u64(size).toBytes();
    }

    public static VfioIommuType1DmaUnmap decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new VfioIommuType1DmaUnmap(r.u32(), r.u64(), r.u64());
    }
}
