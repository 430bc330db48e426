package dev.vplat.guest.client.uapi;

/** {@code struct vfio_device_detach_iommufd_pt} (vfio.h): argsz, flags. */
public record VfioDeviceDetachIommufdPt(int flags) implements UapiStruct {
    public static final int SIZE = 8;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).toBytes();
    }
}
