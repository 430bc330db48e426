package dev.vplat.guest.client.uapi;

/** {@code struct vfio_device_info} (vfio.h, 24 bytes): argsz, flags, num_regions, num_irqs, cap_offset, pad. */
public record VfioDeviceInfo(int flags, int numRegions, int numIrqs, int capOffset) implements UapiStruct {
    public static final int SIZE = 24;
    /** {@code VFIO_DEVICE_FLAGS_*}. */
    public static final int FLAG_RESET = 1, FLAG_PCI = 1 << 1, FLAG_PLATFORM = 1 << 2, FLAG_CAPS = 1 << 7;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(numRegions).u32(numIrqs).u32(capOffset).u32(0).toBytes();
    }

    public static VfioDeviceInfo decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new VfioDeviceInfo(r.u32(), r.u32(), r.u32(), r.u32());
    }
}
