package dev.vplat.vfio.server;

/** Layout constants of the 16-byte binary frame header (PROTOCOL.md "Binary frames"). */
public final class FrameHeader {
    public static final int SIZE = 16;
    /** The length field counts the 12 header bytes after it plus the payload. */
    public static final int LENGTH_BIAS = 12;
    public static final int FLAG_REPLY = 1;
    public static final int FLAG_EVENT = 2;
    public static final int DEFAULT_MAX_PAYLOAD = 16 << 20;
    /** The four bytes that open a binary-mode connection. */
    public static final byte[] MAGIC = {'V', 'P', 'L', '1'};
    public static final int MAJOR = 1;
    public static final int MINOR = 0;

    private FrameHeader() {
    }
}
