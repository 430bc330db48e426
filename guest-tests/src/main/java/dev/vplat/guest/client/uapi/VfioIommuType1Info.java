package dev.vplat.guest.client.uapi;

/**
 * {@code struct vfio_iommu_type1_info} (vfio.h, 24 bytes): argsz, flags (PGSIZES = 1, CAPS = 2),
 * u64 iova_pgsizes, cap_offset, pad. With CAPS, a capability chain follows within argsz; ask with
 * a larger argsz ({@link #encode(int)}) to receive it.
 */
public record VfioIommuType1Info(int argsz, int flags, long iovaPgsizes, int capOffset) implements UapiStruct {
    public static final int SIZE = 24;
    public static final int FLAG_PGSIZES = 1, FLAG_CAPS = 1 << 1;

    @Override
    public byte[] encode() {
        return encode(argsz);
    }

    /** The struct padded with zeros to {@code size} bytes, with argsz = size. */
    public byte[] encode(int size) {
        return new LeWriter(size).u32(size).u32(flags).u64(iovaPgsizes).u32(capOffset).u32(0)
                .zeros(size - SIZE).toBytes();
    }

    public static VfioIommuType1Info decode(byte[] b) {
        LeReader r = new LeReader(b);
        return new VfioIommuType1Info(r.u32(), r.u32(), r.u64(), r.u32());
    }
}
