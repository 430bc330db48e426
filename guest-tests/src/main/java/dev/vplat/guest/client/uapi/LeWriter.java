package dev.vplat.guest.client.uapi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds little-endian, packed byte layouts: wire payloads and Linux uAPI structs alike. Every
 * integer on the vplat wire and in {@code iommufd.h}/{@code vfio.h} on x86-64 and arm64 is
 * little-endian, so one writer serves both.
 */
public final class LeWriter {
    private final ByteArrayOutputStream out;

    public LeWriter() {
        this(32);
    }

    public LeWriter(int expectedSize) {
        out = new ByteArrayOutputStream(expectedSize);
    }

    public LeWriter u8(int v) {
        out.write(v);
        return this;
    }

    public LeWriter u16(int v) {
        out.write(v);
        out.write(v >>> 8);
        return this;
    }

    public LeWriter u32(int v) {
        for (int i = 0; i < 32; i += 8) {
            out.write(v >>> i);
        }
        return this;
    }

    public LeWriter u64(long v) {
        for (int i = 0; i < 64; i += 8) {
            out.write((int) (v >>> i));
        }
        return this;
    }

    /** Writes {@code width} (1, 2, 4 or 8) low bytes of {@code v}. */
    public LeWriter uint(int width, long v) {
        for (int i = 0; i < width; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    public LeWriter bytes(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    public LeWriter utf8(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Zero padding, for {@code __reserved} fields and alignment holes. */
    public LeWriter zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    public int size() {
        return out.size();
    }

    public byte[] toBytes() {
        return out.toByteArray();
    }
}
