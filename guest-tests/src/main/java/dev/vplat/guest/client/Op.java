package dev.vplat.guest.client;

import java.util.HashMap;
import java.util.Map;

/** Operation codes of wire protocol version 1 (PROTOCOL.md "Ops" and "Events"). */
public enum Op {
    HELLO(0x0001), BYE(0x0002),
    MEM_READ(0x0100), MEM_WRITE(0x0101), MEM_FILL(0x0102), PIO_READ(0x0103), PIO_WRITE(0x0104),
    BATCH(0x0105), CLOCK_STEP(0x0110), CLOCK_SET(0x0111), IRQ_WATCH(0x0120),
    MACHINE_INFO(0x0130), MACHINE_RESET(0x0131), DRIVER_BIND(0x0140), DRIVER_UNBIND(0x0141),
    OPEN(0x0200), CLOSE(0x0201), IOCTL(0x0202), PREAD(0x0203), PWRITE(0x0204), EVENTFD(0x0205),
    MMAP(0x0210), MUNMAP(0x0211), UREAD(0x0212), UWRITE(0x0213),
    EVENT_MSI(0x0300), EVENT_INTX(0x0301), EVENT_EVENTFD(0x0302), EVENT_LOG(0x0303);

    private static final Map<Integer, Op> BY_CODE = new HashMap<>();

    static {
        for (Op op : values()) {
            BY_CODE.put(op.code, op);
        }
    }

    private final int code;

    Op(int code) {
        this.code = code;
    }

    /** The u16 carried in the frame header. */
    public int code() {
        return code;
    }

    /** The op with this code, or null for a code this client does not know. */
    public static Op byCode(int code) {
        return BY_CODE.get(code);
    }

    /** A printable name for any code, known or not. */
    public static String nameOf(int code) {
        Op op = byCode(code);
        return op != null ? op.name() : String.format("op 0x%04x", code);
    }
}
