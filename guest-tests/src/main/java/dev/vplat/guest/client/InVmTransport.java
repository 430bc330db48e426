package dev.vplat.guest.client;

import dev.vplat.vfio.server.VplatServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The binary protocol to a server in this JVM, without a socket: the same bytes as over a
 * socket (the {@code VPL1} magic, then frames, read back through {@link FrameCodec} with its
 * length checks), carried by the server's in-VM channel ({@link VplatServer#connectInVm}).
 *
 * <p>A socket holds bytes back when the other end stops reading; an in-VM channel does not, so
 * this transport bounds the requests in flight itself: once {@link #WINDOW} requests are
 * unanswered (the number the server reads ahead before it pauses a connection), {@link #send}
 * waits until half of them are answered. Resuming at half rather than at every reply lets a
 * pipelining sender and the reader thread hand over in batches instead of once per request.
 */
public final class InVmTransport implements Transport {
    /** Requests sent and not yet answered before {@link #send} waits. */
    public static final int WINDOW = 1024;
    private static final byte[] END = new byte[0];

    private final Channel channel;
    private final String name;
    private final BlockingQueue<byte[]> inbound = new LinkedBlockingQueue<>();
    private final FrameCodec reader = new FrameCodec(new InboundBytes(), FrameCodec.DEFAULT_MAX_PAYLOAD);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object gate = new Object();
    private volatile boolean senderWaiting;
    private volatile boolean closed;

    private InVmTransport(VplatServer server) {
        this.channel = server.connectInVm(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                try {
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    inbound.add(bytes);
                } finally {
                    b.release();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                inbound.add(END);
            }
        });
        this.name = "in-vm:" + channel.remoteAddress();
    }

    /** Connects to {@code server} and sends the binary-mode magic. */
    public static InVmTransport connect(VplatServer server) {
        InVmTransport t = new InVmTransport(server);
        t.channel.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.MAGIC));
        return t;
    }

    @Override
    public void send(Frame frame) throws IOException {
        if (inFlight.get() >= WINDOW) {
            awaitWindow();
        }
        if (closed || !channel.isActive()) {
            throw new IOException(name + " is closed");
        }
        inFlight.incrementAndGet();
        channel.writeAndFlush(Unpooled.wrappedBuffer(FrameCodec.encode(frame)));
    }

    /**
     * Waits until at most half the window is in flight. {@code senderWaiting} is set before
     * {@code inFlight} is read and the reader reads it after its decrement, so a wake-up is never
     * missed.
     */
    private void awaitWindow() throws InterruptedIOException {
        synchronized (gate) {
            senderWaiting = true;
            try {
                while (inFlight.get() > WINDOW / 2 && !closed) {
                    gate.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for the server to answer earlier requests");
            }
        }
    }

    @Override
    public Frame receive() throws IOException {
        Frame f = reader.read();
        if (f != null && f.isReply() && inFlight.decrementAndGet() <= WINDOW / 2 && senderWaiting) {
            wakeSenders();
        }
        return f;
    }

    private void wakeSenders() {
        synchronized (gate) {
            senderWaiting = false;
            gate.notifyAll();
        }
    }

    @Override
    public void maxPayload(int limit) {
        reader.maxPayload(limit);
    }

    @Override
    public String describe() {
        return name;
    }

    /** Closes the channel; senders waiting for the window wake and fail, the reader sees the end. */
    @Override
    public void close() {
        closed = true;
        channel.close();
        wakeSenders();
        inbound.add(END);
    }

    /** The server's bytes as the reader thread consumes them, chunk by chunk. */
    private final class InboundBytes implements ReadableByteChannel {
        private byte[] chunk = new byte[0];
        private int pos;
        private boolean ended;

        @Override
        public int read(ByteBuffer dst) throws IOException {
            while (pos == chunk.length) {
                if (ended) {
                    return -1;
                }
                try {
                    chunk = inbound.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for the server");
                }
                pos = 0;
                ended = chunk == END;
            }
            int n = Math.min(dst.remaining(), chunk.length - pos);
            dst.put(chunk, pos, n);
            pos += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return !ended;
        }

        @Override
        public void close() {
            ended = true;
        }
    }
}
