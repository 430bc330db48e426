package dev.vplat.vfio.cli;

import dev.vplat.vfio.server.FrameHeader;
import dev.vplat.vfio.server.ListenAddress;
import dev.vplat.vfio.server.Op;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The CLI's own small, blocking binary-mode client (the full client library lives in
 * guest-tests, above this module). One request at a time through {@link #call}, or raw
 * {@link #send}/{@link #receive} for pipelining; events arriving while waiting for a reply are
 * skipped by {@link #call}.
 */
public final class WireClient implements AutoCloseable {
    /** One frame as received. */
    public record Frame(int tag, int op, int flags, int result, byte[] payload) {
        public boolean isEvent() {
            return (flags & FrameHeader.FLAG_EVENT) != 0;
        }

        public ByteBuffer data() {
            return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The human message of an error reply. */
        public String errorMessage() {
            ByteBuffer b = data();
            int n = Short.toUnsignedInt(b.getShort());
            return new String(payload, 2, n, StandardCharsets.UTF_8);
        }

        /** The error data after the message of an error reply. */
        public byte[] errorData() {
            int n = Short.toUnsignedInt(data().getShort());
            return java.util.Arrays.copyOfRange(payload, 2 + n, payload.length);
        }
    }

    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(FrameHeader.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    private int nextTag = 1;

    private WireClient(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to {@code tcp:HOST:PORT} or {@code unix:PATH} and sends the binary-mode magic. */
    public static WireClient connect(String target) {
        ListenAddress a = ListenAddress.parse(target);
        try {
            SocketChannel ch;
            if (a.isUnix()) {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(a.path()));
            } else {
                ch = SocketChannel.open(new InetSocketAddress(a.host(), a.port()));
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            WireClient c = new WireClient(ch);
            c.writeFully(ByteBuffer.wrap(FrameHeader.MAGIC));
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + a + ": " + e.getMessage()
                    + " (is `vplat serve` running there? start one, or pass --target)", e);
        }
    }

    /** HELLO; returns the server's JSON. Role 0 user, 1 guest. */
    public String hello(int role, String token) {
        String json = token == null ? "{\"client\":\"vplat-cli\"}"
                : "{\"client\":\"vplat-cli\",\"token\":\"" + token.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = le(8 + j.length).putShort((short) FrameHeader.MAJOR).putShort((short) FrameHeader.MINOR)
                .putInt(role).put(j);
        Frame f = call(Op.HELLO.code(), p.array());
        return new String(f.payload(), 4, f.payload().length - 4, StandardCharsets.UTF_8);
    }

    public String machineInfo() {
        return new String(call(Op.MACHINE_INFO.code(), new byte[0]).payload(), StandardCharsets.UTF_8);
    }

    public byte[] memRead(long addr, int size) {
        return call(Op.MEM_READ.code(), le(12).putLong(addr).putInt(size).array()).payload();
    }

    public void memWrite(long addr, byte[] data) {
        call(Op.MEM_WRITE.code(), le(12 + data.length).putLong(addr).putInt(data.length).put(data).array());
    }

    public long pioRead(int port, int width) {
        return Integer.toUnsignedLong(call(Op.PIO_READ.code(), le(3).putShort((short) port).put((byte) width).array())
                .data().getInt());
    }

    public void pioWrite(int port, int width, long value) {
        call(Op.PIO_WRITE.code(), le(7).putShort((short) port).put((byte) width).putInt((int) value).array());
    }

    /** Sends a request and waits for its reply; an error reply throws {@link WireException}. */
    public Frame call(int op, byte[] payload) {
        int tag = send(op, payload);
        while (true) {
            Frame f = receive();
            if (!f.isEvent() && f.tag() == tag) {
                if (f.result() < 0) {
                    throw new WireException(Op.describe(op), -f.result(), f.errorMessage());
                }
                return f;
            }
        }
    }

    /** Sends one request frame without waiting; returns its tag. */
    public int send(int op, byte[] payload) {
        int tag = nextTag++;
        if (nextTag == 0) {
            nextTag = 1;
        }
        ByteBuffer b = le(FrameHeader.SIZE + payload.length).putInt(FrameHeader.LENGTH_BIAS + payload.length)
                .putInt(tag).putShort((short) op).putShort((short) 0).putInt(0).put(payload);
        b.flip();
        writeFully(b);
        return tag;
    }

    /** Sends raw bytes (tests of framing errors). */
    public void sendRaw(byte[] bytes) {
        writeFully(ByteBuffer.wrap(bytes));
    }

    /** Reads the next frame, reply or event. */
    public Frame receive() {
        header.clear();
        readFully(header);
        header.flip();
        int length = header.getInt();
        int tag = header.getInt();
        int op = Short.toUnsignedInt(header.getShort());
        int flags = Short.toUnsignedInt(header.getShort());
        int result = header.getInt();
        ByteBuffer payload = ByteBuffer.allocate(length - FrameHeader.LENGTH_BIAS);
        readFully(payload);
        return new Frame(tag, op, flags, result, payload.array());
    }

    private void writeFully(ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("lost the connection to the server: " + e.getMessage(), e);
        }
    }

    private void readFully(ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new EOFException("the server closed the connection");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing a socket that already failed has nothing left to report
        }
    }
}
