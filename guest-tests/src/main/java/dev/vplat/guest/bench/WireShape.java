package dev.vplat.guest.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of one benchmark request and its reply, in one of the protocol's two modes. The
 * same shape drives the client loop against vplat or QEMU and tells the transport floor what
 * to send back, so the floor moves exactly as many bytes per round trip as the real thing.
 */
abstract class WireShape {
    /** One request's bytes. */
    abstract byte[] request();

    /** The reply the floor server sends for one request: the size of the real reply. */
    abstract byte[] floorReply();

    /** Puts a per-request sequence number where the mode has one (the binary tag). */
    void stamp(ByteBuffer out, int requestStart, int sequence) {
    }

    /**
     * Consumes the complete replies at the front of {@code in} (flipped) and returns how many;
     * an incomplete one stays. A reply reporting an error throws: a benchmark of failures
     * measures nothing.
     */
    abstract int consumeReplies(ByteBuffer in);

    /** Consumes the complete requests at the front of {@code in}, for the floor server. */
    abstract int consumeRequests(ByteBuffer in);

    /** A binary frame (PROTOCOL.md): 16-byte header, payload; replies are length-prefixed frames. */
    static final class Binary extends WireShape {
        private final byte[] request;
        private final int replyPayload;

        Binary(int op, byte[] payload, int replyPayload) {
            this.request = frame(op, 0, payload);
            this.replyPayload = replyPayload;
        }

        /** MEM_READ of {@code size} bytes at {@code addr}. */
        static Binary memRead(long addr, int size) {
            ByteBuffer p = le(12).putLong(addr).putInt(size);
            return new Binary(0x0100, p.array(), size);
        }

        /** BATCH of {@code count} 32-bit memory reads of {@code addr}. */
        static Binary batchOfReads(long addr, int count) {
            ByteBuffer p = le(4 + 18 * count).putInt(count);
            for (int i = 0; i < count; i++) {
                p.put((byte) 0).put((byte) 4).putLong(addr).putLong(0);
            }
            return new Binary(0x0105, p.array(), 8 * count);
        }

        static byte[] frame(int op, int flags, byte[] payload) {
            return le(16 + payload.length).putInt(12 + payload.length).putInt(1).putShort((short) op)
                    .putShort((short) flags).putInt(0).put(payload).array();
        }

        @Override
        byte[] request() {
            return request.clone();
        }

        @Override
        byte[] floorReply() {
            int op = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getShort(8);
            return frame(op, 1, new byte[replyPayload]);
        }

        @Override
        void stamp(ByteBuffer out, int requestStart, int sequence) {
            out.putInt(requestStart + 4, sequence == 0 ? 1 : sequence);
        }

        @Override
        int consumeReplies(ByteBuffer in) {
            int n = 0;
            while (in.remaining() >= 16) {
                int p = in.position();
                int length = in.getInt(p);
                if (in.remaining() < 4 + length) {
                    break;
                }
                int flags = in.getShort(p + 10);
                int result = in.getInt(p + 12);
                if (result < 0) {
                    throw new IllegalStateException("the server answered errno " + -result + " to a benchmark request");
                }
                in.position(p + 4 + length);
                if ((flags & 2) == 0) {
                    n++;
                }
            }
            return n;
        }

        @Override
        int consumeRequests(ByteBuffer in) {
            int n = in.remaining() / request.length;
            in.position(in.position() + n * request.length);
            return n;
        }

        private static ByteBuffer le(int n) {
            return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** A qtest text line and its one-line reply. */
    static final class Text extends WireShape {
        private final byte[] request;
        private final byte[] reply;

        Text(String line, String replyLine) {
            this.request = (line + "\n").getBytes(StandardCharsets.US_ASCII);
            this.reply = (replyLine + "\n").getBytes(StandardCharsets.US_ASCII);
        }

        /** {@code readl ADDR}, answered with {@code OK 0x%016x}. */
        static Text readl(long addr) {
            return new Text("readl 0x" + Long.toHexString(addr), "OK 0x" + "0".repeat(16));
        }

        @Override
        byte[] request() {
            return request.clone();
        }

        @Override
        byte[] floorReply() {
            return reply.clone();
        }

        @Override
        int consumeReplies(ByteBuffer in) {
            int n = 0;
            int start = in.position();
            for (int i = start; i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    if (in.get(start) != 'O') {
                        throw new IllegalStateException("the server answered '" + line(in, start, i) + "'");
                    }
                    n++;
                    start = i + 1;
                }
            }
            in.position(start);
            return n;
        }

        @Override
        int consumeRequests(ByteBuffer in) {
            int n = 0;
            int start = in.position();
            for (int i = start; i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    n++;
                    start = i + 1;
                }
            }
            in.position(start);
            return n;
        }

        private static String line(ByteBuffer in, int from, int to) {
            byte[] b = new byte[to - from];
            in.get(from, b);
            return new String(b, StandardCharsets.US_ASCII);
        }
    }
}
