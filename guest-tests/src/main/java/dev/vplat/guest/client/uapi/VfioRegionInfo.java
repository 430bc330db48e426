package dev.vplat.guest.client.uapi;

/**
 * {@code struct vfio_region_info} (vfio.h, 32 bytes): argsz, flags, index, cap_offset, u64 size,
 * u64 offset (the pread/pwrite offset of the region, {@code index << 40} on vfio-pci).
 */
public record VfioRegionInfo(int flags, int index, int capOffset, long size, long offset) implements UapiStruct {
    public static final int SIZE = 32;
    /** {@code VFIO_REGION_INFO_FLAG_*}. */
    public static final int FLAG_READ = 1, FLAG_WRITE = 1 << 1, FLAG_MMAP = 1 << 2, FLAG_CAPS = 1 << 3;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(index).u32(capOffset).u64(size).u64(offset).toBytes();
    }

    public static VfioRegionInfo decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new VfioRegionInfo(r.u32(), r.u32(), r.u32(), r.u64(), r.u64());
    }
}
