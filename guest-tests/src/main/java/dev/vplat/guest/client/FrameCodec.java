package dev.vplat.guest.client;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * Encodes frames into bytes and reads them back from a byte channel. The reader validates the
 * length field against the payload limit before allocating, as the protocol asks of both ends.
 */
public final class FrameCodec {
    /** The bytes that open a binary-mode connection. */
    public static final byte[] MAGIC = {'V', 'P', 'L', '1'};
    /** Payload limit before HELLO tells the real one (PROTOCOL.md: default 16 MiB). */
    public static final int DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;

    private static final int BUFFER_SIZE = 64 * 1024;

    private final ReadableByteChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(BUFFER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private volatile int maxPayload;

    /** A reader of frames from {@code channel}. */
    public FrameCodec(ReadableByteChannel channel, int maxPayload) {
        this.channel = channel;
        this.maxPayload = maxPayload;
        in.limit(0);
    }

    /** Serialises one frame, header and payload, ready to write. */
    public static ByteBuffer encode(Frame frame) {
        ByteBuffer b = ByteBuffer.allocate(Frame.HEADER_SIZE + frame.payload().length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(Frame.HEADER_AFTER_LENGTH + frame.payload().length);
        b.putInt(frame.tag());
        b.putShort((short) frame.op());
        b.putShort((short) frame.flags());
        b.putInt(frame.result());
        b.put(frame.payload());
        return b.flip();
    }

    /** Raises or lowers the limit, once HELLO has reported the server's {@code max_payload}. */
    public void maxPayload(int limit) {
        this.maxPayload = limit;
    }

    /**
     * Reads the next frame; null at a clean end of stream (between frames).
     *
     * @throws EOFException if the stream ends inside a frame
     * @throws IOException  if the length field is impossible or over the payload limit
     */
    public Frame read() throws IOException {
        if (!fill(4, true)) {
            return null;
        }
        long length = Integer.toUnsignedLong(in.getInt());
        if (length < Frame.HEADER_AFTER_LENGTH || length - Frame.HEADER_AFTER_LENGTH > maxPayload) {
            throw new IOException("bad frame length " + length + " (payload limit " + maxPayload + ")");
        }
        fill(Frame.HEADER_AFTER_LENGTH, false);
        int tag = in.getInt();
        int op = in.getShort() & 0xffff;
        int flags = in.getShort() & 0xffff;
        int result = in.getInt();
        byte[] payload = new byte[(int) (length - Frame.HEADER_AFTER_LENGTH)];
        readPayload(payload);
        return new Frame(tag, op, flags, result, payload);
    }

    private void readPayload(byte[] payload) throws IOException {
        int buffered = Math.min(in.remaining(), payload.length);
        in.get(payload, 0, buffered);
        ByteBuffer rest = ByteBuffer.wrap(payload, buffered, payload.length - buffered);
        while (rest.hasRemaining()) {
            if (channel.read(rest) < 0) {
                throw new EOFException("stream ended inside a frame payload");
            }
        }
    }

    /** Makes {@code n} bytes available in {@code in}; false only if the stream ends cleanly first. */
    private boolean fill(int n, boolean cleanEofAllowed) throws IOException {
        while (in.remaining() < n) {
            boolean empty = !in.hasRemaining();
            in.compact();
            int r = channel.read(in);
            in.flip();
            if (r < 0) {
                if (cleanEofAllowed && empty) {
                    return false;
                }
                throw new EOFException("stream ended inside a frame header");
            }
        }
        return true;
    }
}
