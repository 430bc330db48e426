package dev.vplat.guest.client;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The binary protocol over a TCP or UNIX-domain socket. Opening it writes the {@code VPL1} magic
 * that selects binary mode. Reads and writes use the channel directly (its read and write sides
 * have separate locks), so the reader thread never blocks a sender.
 */
public final class SocketTransport implements Transport {
    private final Address address;
    private final SocketChannel channel;
    private final FrameCodec reader;
    private final Object writeLock = new Object();

    private SocketTransport(Address address, SocketChannel channel) {
        this.address = address;
        this.channel = channel;
        this.reader = new FrameCodec(channel, FrameCodec.DEFAULT_MAX_PAYLOAD);
    }

    /** Connects and sends the binary-mode magic. */
    public static SocketTransport connect(Address address) throws IOException {
        boolean unix = address.socketAddress() instanceof UnixDomainSocketAddress;
        SocketChannel ch = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            if (!unix) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            ch.connect(address.socketAddress());
            writeFully(ch, ByteBuffer.wrap(FrameCodec.MAGIC));
            return new SocketTransport(address, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void send(Frame frame) throws IOException {
        ByteBuffer bytes = FrameCodec.encode(frame);
        synchronized (writeLock) {
            writeFully(channel, bytes);
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            ch.write(bytes);
        }
    }

    @Override
    public Frame receive() throws IOException {
        return reader.read();
    }

    @Override
    public void maxPayload(int limit) {
        reader.maxPayload(limit);
    }

    @Override
    public String describe() {
        return address.spec();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
