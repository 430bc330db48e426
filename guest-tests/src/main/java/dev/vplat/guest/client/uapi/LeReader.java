package dev.vplat.guest.client.uapi;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads little-endian, packed byte layouts (wire payloads and uAPI structs). Running past the end
 * throws {@link BufferUnderflowException}: a short reply is a protocol bug, never a zero.
 */
public final class LeReader {
    private final ByteBuffer buf;

    public LeReader(byte[] bytes) {
        this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public int u8() {
        return buf.get() & 0xff;
    }

    public int u16() {
        return buf.getShort() & 0xffff;
    }

    /** A u32 as Java int; use {@link Integer#toUnsignedLong} where the full range matters. */
    public int u32() {
        return buf.getInt();
    }

    public long u64() {
        return buf.getLong();
    }

    /** Reads a {@code width}-byte (1, 2, 4 or 8) unsigned value. */
    public long uint(int width) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            v |= (long) (buf.get() & 0xff) << (8 * i);
        }
        return v;
    }

    public byte[] bytes(int n) {
        byte[] b = new byte[n];
        buf.get(b);
        return b;
    }

    public LeReader skip(int n) {
        buf.position(buf.position() + n);
        return this;
    }

    public String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    public byte[] rest() {
        return bytes(buf.remaining());
    }

    public int remaining() {
        return buf.remaining();
    }

    /** Decodes a little-endian unsigned value of {@code bytes.length} bytes (1..8). */
    public static long value(byte[] bytes) {
        return new LeReader(bytes).uint(bytes.length);
    }
}
