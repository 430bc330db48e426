package dev.vplat.vfio.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian byte builder for request payloads and frames in tests. */
final class Bytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static Bytes le() {
        return new Bytes();
    }

    Bytes u8(int v) {
        out.write(v);
        return this;
    }

    Bytes u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    Bytes u32(long v) {
        return u16((int) v).u16((int) (v >>> 16));
    }

    Bytes u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    Bytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    Bytes utf8(String s) {
        return raw(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] array() {
        return out.toByteArray();
    }

    /** A request frame: header with {@code length = 12 + payload} and the payload. */
    static byte[] frame(int tag, int op, byte[] payload) {
        return le().u32(12 + payload.length).u32(tag).u16(op).u16(0).u32(0).raw(payload).array();
    }
}
