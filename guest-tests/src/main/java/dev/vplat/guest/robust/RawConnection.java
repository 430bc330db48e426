package dev.vplat.guest.robust;

import dev.vplat.guest.client.Address;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A connection that sends whatever bytes it is given — frames with any length field, flags or
 * op, half frames — and hands back what the server sends, frame by frame, from a reader thread.
 * The client library cannot be used for this: it only builds well-formed frames.
 */
final class RawConnection implements AutoCloseable {
    /** One frame from the server, or the end of the stream ({@link #closed()}). */
    record Incoming(int length, int tag, int op, int flags, int result, byte[] payload) {
        static final Incoming EOF = new Incoming(-1, 0, 0, 0, 0, new byte[0]);

        boolean closed() {
            return length < 0;
        }

        boolean event() {
            return (flags & 2) != 0;
        }
    }

    /** What a wait for a reply found. */
    sealed interface Answer permits Answer.Reply, Answer.Closed, Answer.Silent {
        /** The frame that answered, with every event before it. */
        record Reply(Incoming frame, int eventsBefore) implements Answer { }

        /**
         * The server closed the connection without answering; {@code notice} when it said why
         * first (EVENT_LOG), as it does for a session with too many unread events.
         */
        record Closed(boolean notice) implements Answer { }

        /** Nothing came within the timeout: a hang. */
        record Silent() implements Answer { }
    }

    private final SocketChannel channel;
    private final BlockingQueue<Incoming> incoming = new LinkedBlockingQueue<>();
    private final Thread reader;
    private static final int EVENT_LOG = 0x0303;
    private volatile boolean eof;
    private boolean noticed;

    private RawConnection(SocketChannel channel, int maxPayload) {
        this.channel = channel;
        this.reader = new Thread(() -> readLoop(maxPayload), "vplat-fuzz-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects to {@code tcp:HOST:PORT} or {@code unix:PATH}; nothing is sent yet (not even the magic). */
    static RawConnection open(String address, int maxPayload) throws IOException {
        Address a = Address.parse(address);
        boolean unix = a.socketAddress() instanceof UnixDomainSocketAddress;
        SocketChannel ch = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            if (!unix) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            ch.connect(a.socketAddress());
            return new RawConnection(ch, maxPayload);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    void send(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /**
     * Waits for the next frame that is not an event: the reply to the request sent last, which
     * the caller checks carries {@code tag}. Closed or silent otherwise.
     */
    Answer awaitReply(int tag, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int events = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            Incoming f = left <= 0 ? null : incoming.poll(left, TimeUnit.NANOSECONDS);
            if (f == null) {
                return new Answer.Silent();
            }
            if (f.closed()) {
                incoming.add(Incoming.EOF);
                return new Answer.Closed(noticed);
            }
            if (f.event() && f.tag() == 0) {
                events++;
                noticed |= f.op() == EVENT_LOG;
                continue;
            }
            return new Answer.Reply(f, events);
        }
    }

    /** Waits until the server has closed the connection (after a fatal reply or BYE). */
    boolean awaitClose(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Incoming f = left <= 0 ? null : incoming.poll(left, TimeUnit.NANOSECONDS);
            if (f == null) {
                return false;
            }
            if (f.closed()) {
                incoming.add(Incoming.EOF);
                return true;
            }
        }
    }

    boolean serverClosed() {
        return eof;
    }

    private void readLoop(int maxPayload) {
        ByteBuffer header = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                header.clear();
                if (!readFully(header)) {
                    break;
                }
                header.flip();
                int length = header.getInt();
                int tag = header.getInt();
                int op = header.getShort() & 0xFFFF;
                int flags = header.getShort() & 0xFFFF;
                int result = header.getInt();
                if (length < 12 || length - 12 > maxPayload) {
                    incoming.add(new Incoming(length, tag, op, flags, result, new byte[0]));
                    break;
                }
                ByteBuffer payload = ByteBuffer.allocate(length - 12);
                if (!readFully(payload)) {
                    break;
                }
                incoming.add(new Incoming(length, tag, op, flags, result, payload.array()));
            }
        } catch (IOException e) {
            // the connection is gone: reported as the end of the stream
        }
        eof = true;
        incoming.add(Incoming.EOF);
    }

    private boolean readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Closes the socket at once, whatever was half sent: what a killed client does. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
