package dev.vplat.vfio.server;

/**
 * Read side of a request payload, little-endian, as op decoders see it. A read past the end
 * fails with EINVAL naming the op, so no decoder repeats length checks.
 */
public interface Payload {
    int u8();

    int u16();

    /** A u32 as the int with the same bits. */
    int u32();

    long u64();

    byte[] bytes(int n);

    /** All bytes left. */
    byte[] rest();

    /** All bytes left, as UTF-8. */
    String utf8();

    int remaining();

    /** Fails with EINVAL when bytes are left over: every op's payload has an exact size. */
    void end();
}
