package dev.vplat.guest.client;

/**
 * One binary frame (PROTOCOL.md "Binary frames"): the 16-byte header fields and the payload.
 * {@code op} is the unsigned 16-bit code; {@code result} is 0 in requests and the success value
 * or −errno in replies.
 */
public record Frame(int tag, int op, int flags, int result, byte[] payload) {
    /** Header flag: this frame answers a request. */
    public static final int FLAG_REPLY = 1;
    /** Header flag: this frame is a server-initiated event (tag 0). */
    public static final int FLAG_EVENT = 2;
    /** Bytes of header after the length field; the length field counts these plus the payload. */
    public static final int HEADER_AFTER_LENGTH = 12;
    public static final int HEADER_SIZE = 16;

    public static Frame request(int tag, Op op, byte[] payload) {
        return new Frame(tag, op.code(), 0, 0, payload);
    }

    public boolean isReply() {
        return (flags & FLAG_REPLY) != 0;
    }

    public boolean isEvent() {
        return (flags & FLAG_EVENT) != 0;
    }

    public boolean isError() {
        return isReply() && result < 0;
    }

    @Override
    public String toString() {
        return "Frame[tag=" + tag + ", " + Op.nameOf(op) + ", flags=" + flags + ", result=" + result
                + ", payload=" + payload.length + " bytes]";
    }
}
