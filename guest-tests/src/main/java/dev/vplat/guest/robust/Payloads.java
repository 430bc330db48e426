package dev.vplat.guest.robust;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian payload building for generated frames. */
final class Payloads {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Payloads u8(long v) {
        out.write((int) v);
        return this;
    }

    Payloads u16(long v) {
        return u8(v).u8(v >>> 8);
    }

    Payloads u32(long v) {
        return u16(v).u16(v >>> 16);
    }

    Payloads u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    Payloads bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    Payloads utf8(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] done() {
        return out.toByteArray();
    }
}
