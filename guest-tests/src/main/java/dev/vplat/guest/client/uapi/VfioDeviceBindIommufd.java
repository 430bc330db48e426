package dev.vplat.guest.client.uapi;

/**
 * {@code struct vfio_device_bind_iommufd} (vfio.h): argsz, flags, s32 iommufd, out_devid — the
 * 16-byte minimum size, without the 2025 token extension.
 */
public record VfioDeviceBindIommufd(int flags, int iommufd, int outDevid) implements UapiStruct {
    public static final int SIZE = 16;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(iommufd).u32(outDevid).toBytes();
    }

    public static VfioDeviceBindIommufd decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new VfioDeviceBindIommufd(r.u32(), r.u32(), r.u32());
    }
}
