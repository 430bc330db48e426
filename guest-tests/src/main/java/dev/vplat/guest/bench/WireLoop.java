package dev.vplat.guest.bench;

import dev.vplat.guest.client.Address;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking client for round-trip benchmarks: one socket, one thread, no futures, no
 * reader thread — the same loop for vplat, QEMU and the transport floor, so the only thing that
 * differs between them is the server.
 */
final class WireLoop implements AutoCloseable {
    private static final int BUFFER = 1 << 20;

    private final SocketChannel channel;
    private final WireShape shape;
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer out = ByteBuffer.allocateDirect(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] request;
    private int sequence;

    private WireLoop(SocketChannel channel, WireShape shape) {
        this.channel = channel;
        this.shape = shape;
        this.request = shape.request();
    }

    static WireLoop connect(Address address, WireShape shape) {
        try {
            boolean unix = address.socketAddress() instanceof UnixDomainSocketAddress;
            SocketChannel ch = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            if (!unix) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            ch.connect(address.socketAddress());
            return new WireLoop(ch, shape);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + address, e);
        }
    }

    /** Binary mode: the VPL1 magic and a guest-role HELLO, waiting for its reply. */
    WireLoop helloAsGuest() {
        byte[] json = "{\"client\":\"vplat-bench\"}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 1).putShort((short) 0).putInt(1).put(json);
        byte[] hello = WireShape.Binary.frame(0x0001, 0, p.array());
        out.clear();
        out.put("VPL1".getBytes(StandardCharsets.US_ASCII)).put(hello).flip();
        writeOut();
        awaitReplies(1);
        return this;
    }

    /** {@code n} strict round trips: send one request, wait for its reply. */
    long sequential(long n) {
        for (long i = 0; i < n; i++) {
            out.clear();
            out.put(request);
            shape.stamp(out, 0, ++sequence);
            out.flip();
            writeOut();
            awaitReplies(1);
        }
        return n;
    }

    /** {@code n} requests with up to {@code window} of them unanswered at any time. */
    long pipelined(long n, int window) {
        long sent = 0, done = 0;
        while (done < n) {
            int k = (int) Math.min(window - (sent - done), n - sent);
            if (k > 0) {
                out.clear();
                for (int i = 0; i < k; i++) {
                    int at = out.position();
                    out.put(request);
                    shape.stamp(out, at, ++sequence);
                }
                out.flip();
                writeOut();
                sent += k;
            }
            done += readReplies();
        }
        return n;
    }

    /** Text mode: sends one line and returns the reply line, without its newline. */
    String exchange(String line) {
        out.clear();
        out.put((line + "\n").getBytes(StandardCharsets.US_ASCII)).flip();
        writeOut();
        StringBuilder reply = new StringBuilder();
        while (true) {
            in.flip();
            while (in.hasRemaining()) {
                char c = (char) in.get();
                if (c == '\n') {
                    in.compact();
                    return reply.toString();
                }
                reply.append(c);
            }
            in.clear();
            try {
                if (channel.read(in) < 0) {
                    throw new IOException("the server closed the connection");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void awaitReplies(int count) throws UncheckedIOException {
        int got = 0;
        while (got < count) {
            got += readReplies();
        }
    }

    private int readReplies() {
        try {
            if (channel.read(in) < 0) {
                throw new IOException("the server closed the connection");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        in.flip();
        int n = shape.consumeReplies(in);
        in.compact();
        return n;
    }

    private void writeOut() {
        try {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a benchmark socket cannot fail in a way that matters
        }
    }
}
