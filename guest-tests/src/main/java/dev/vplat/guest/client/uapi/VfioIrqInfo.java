package dev.vplat.guest.client.uapi;

/** {@code struct vfio_irq_info} (vfio.h, 16 bytes): argsz, flags, index, count. */
public record VfioIrqInfo(int flags, int index, int count) implements UapiStruct {
    public static final int SIZE = 16;
    /** {@code VFIO_IRQ_INFO_*}. */
    public static final int EVENTFD = 1, MASKABLE = 1 << 1, AUTOMASKED = 1 << 2, NORESIZE = 1 << 3;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(flags).u32(index).u32(count).toBytes();
    }

    public static VfioIrqInfo decode(byte[] b) {
        LeReader r = new LeReader(b).skip(4);
        return new VfioIrqInfo(r.u32(), r.u32(), r.u32());
    }
}
