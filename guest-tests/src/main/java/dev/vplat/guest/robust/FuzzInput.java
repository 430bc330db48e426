package dev.vplat.guest.robust;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * One generated input: the bytes that go on the wire, the request's tag and op, and what the
 * server must do with it — answer it (with an error or a valid reply) and keep the connection,
 * or answer it and close (a length field the stream cannot recover from, BYE).
 */
record FuzzInput(String kind, int tag, int op, byte[] bytes, boolean closes) {
    static final int MAX_PAYLOAD = 16 << 20;

    /** A frame with the length field the payload implies. */
    static FuzzInput frame(String kind, int tag, int op, int flags, byte[] payload) {
        return new FuzzInput(kind, tag, op, encode(12 + payload.length, tag, op, flags, payload), false);
    }

    /** A header whose length field the server must refuse (below 12, or above max_payload): answered, then closed. */
    static FuzzInput badLength(int tag, int op, long length) {
        return new FuzzInput("length " + length, tag, op, encode((int) length, tag, op, 0, new byte[0]), true);
    }

    static byte[] encode(int length, int tag, int op, int flags, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(16 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(length).putInt(tag).putShort((short) op).putShort((short) flags).putInt(0).put(payload);
        return b.array();
    }

    /** Rewrites the length field of a whole frame in {@code b} to match its size. */
    static void encodeLength(byte[] b) {
        int length = b.length - 4;
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (length >>> (8 * i));
        }
    }

    /** The frame as hex, for a finding's report (cut after 256 bytes). */
    String hex() {
        int n = Math.min(bytes.length, 256);
        return HexFormat.of().formatHex(bytes, 0, n) + (n < bytes.length ? "… (" + bytes.length + " bytes)" : "");
    }
}
