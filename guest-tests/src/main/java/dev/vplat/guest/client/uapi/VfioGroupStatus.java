package dev.vplat.guest.client.uapi;

/** {@code struct vfio_group_status} (vfio.h): argsz, flags (VIABLE = 1, CONTAINER_SET = 2). */
public record VfioGroupStatus(int flags) implements UapiStruct {
    public static final int SIZE = 8;
    public static final int VIABLE = 1, CONTAINER_SET = 1 << 1;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).toBytes();
    }

    public static VfioGroupStatus decode(byte[] b) {
        return new VfioGroupStatus(new LeReader(b).skip(4).u32());
    }

    public boolean viable() {
        return (flags & VIABLE) != 0;
    }

    public boolean containerSet() {
        return (flags & CONTAINER_SET) != 0;
    }
}
