package dev.vplat.guest.client.uapi;

/**
 * {@code struct vfio_device_attach_iommufd_pt} (vfio.h): argsz, flags, pt_id (in: IOAS or HWPT
 * id; out: the HWPT actually attached).
 */
public record VfioDeviceAttachIommufdPt(int flags, int ptId) implements UapiStruct {
    public static final int SIZE = 12;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(ptId).toBytes();
    }

    public static VfioDeviceAttachIommufdPt decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new VfioDeviceAttachIommufdPt(r.u32(), r.u32());
    }
}
