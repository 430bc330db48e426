package dev.vplat.vfio.server;

import java.util.HashMap;
import java.util.Map;

/** The binary op codes of PROTOCOL.md and who may call them. */
public enum Op {
    HELLO(0x0001, Access.SESSION), BYE(0x0002, Access.SESSION),
    MEM_READ(0x0100, Access.GUEST), MEM_WRITE(0x0101, Access.GUEST), MEM_FILL(0x0102, Access.GUEST),
    PIO_READ(0x0103, Access.GUEST), PIO_WRITE(0x0104, Access.GUEST), BATCH(0x0105, Access.GUEST),
    CLOCK_STEP(0x0110, Access.GUEST), CLOCK_SET(0x0111, Access.GUEST), IRQ_WATCH(0x0120, Access.GUEST),
    MACHINE_INFO(0x0130, Access.GUEST), MACHINE_RESET(0x0131, Access.GUEST),
    DRIVER_BIND(0x0140, Access.GUEST), DRIVER_UNBIND(0x0141, Access.GUEST),
    OPEN(0x0200, Access.PROCESS), CLOSE(0x0201, Access.PROCESS), IOCTL(0x0202, Access.PROCESS),
    PREAD(0x0203, Access.PROCESS), PWRITE(0x0204, Access.PROCESS), EVENTFD(0x0205, Access.PROCESS),
    MMAP(0x0210, Access.PROCESS), MUNMAP(0x0211, Access.PROCESS), UREAD(0x0212, Access.PROCESS),
    UWRITE(0x0213, Access.PROCESS),
    EVENT_MSI(0x0300, Access.EVENT), EVENT_INTX(0x0301, Access.EVENT), EVENT_EVENTFD(0x0302, Access.EVENT),
    EVENT_LOG(0x0303, Access.EVENT);

    /** Who may send an op: session control, guest role only, any role, or nobody (server events). */
    public enum Access { SESSION, GUEST, PROCESS, EVENT }

    private static final Map<Integer, Op> BY_CODE = new HashMap<>();

    static {
        for (Op op : values()) {
            BY_CODE.put(op.code, op);
        }
    }

    private final int code;
    private final Access access;

    Op(int code, Access access) {
        this.code = code;
        this.access = access;
    }

    public int code() {
        return code;
    }

    public Access access() {
        return access;
    }

    /** The op with this code, or null when the server does not know it. */
    public static Op of(int code) {
        return BY_CODE.get(code);
    }

    /** A name for messages: the op's name, or its hex code when unknown. */
    public static String describe(int code) {
        Op op = of(code);
        return op != null ? op.name() : String.format("op 0x%04x", code);
    }
}
