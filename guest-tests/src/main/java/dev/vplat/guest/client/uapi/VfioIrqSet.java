package dev.vplat.guest.client.uapi;

/**
 * {@code struct vfio_irq_set} (vfio.h): argsz, flags, index, start, count, then {@code u8 data[]}
 * — nothing (DATA_NONE), one u8 per vector (DATA_BOOL) or one s32 eventfd per vector
 * (DATA_EVENTFD, −1 de-assigns). argsz covers the header and the data.
 */
public record VfioIrqSet(int flags, int index, int start, int count, byte[] data) implements UapiStruct {
    public static final int HEADER_SIZE = 20;
    /** {@code VFIO_IRQ_SET_DATA_*} and {@code VFIO_IRQ_SET_ACTION_*}. */
    public static final int DATA_NONE = 1, DATA_BOOL = 1 << 1, DATA_EVENTFD = 1 << 2,
            ACTION_MASK = 1 << 3, ACTION_UNMASK = 1 << 4, ACTION_TRIGGER = 1 << 5;

    /** Wires vectors {@code start..} of {@code index} to these eventfds (−1 = de-assign). */
    public static VfioIrqSet eventfds(int index, int start, int... fds) {
        LeWriter w = new LeWriter(4 * fds.length);
        for (int fd : fds) {
            w.u32(fd);
        }
        return new VfioIrqSet(DATA_EVENTFD | ACTION_TRIGGER, index, start, fds.length, w.toBytes());
    }

    /** Disables every vector of {@code index} (DATA_NONE | ACTION_TRIGGER with count 0). */
    public static VfioIrqSet disable(int index) {
        return new VfioIrqSet(DATA_NONE | ACTION_TRIGGER, index, 0, 0, new byte[0]);
    }

    /** Fires vectors {@code start..start+count-1} from software (DATA_NONE | ACTION_TRIGGER). */
    public static VfioIrqSet trigger(int index, int start, int count) {
        return new VfioIrqSet(DATA_NONE | ACTION_TRIGGER, index, start, count, new byte[0]);
    }

    @Override
    public byte[] encode() {
        int argsz = HEADER_SIZE + data.length;
        return new LeWriter(argsz).u32(argsz).u32(flags).u32(index).u32(start).u32(count).bytes(data).toBytes();
    }
}
