package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The request/reply engine of one session. Any thread may send; each request gets a fresh tag
 * and a future. One reader thread takes frames off the transport, completes the future whose tag
 * a reply carries (error replies complete it with a {@link VplatException}), and routes events to
 * the inbox and the listeners. Requests therefore pipeline freely: the server answers in order,
 * the tags say which answer is whose.
 */
final class Connection implements AutoCloseable {
    private static final int INBOX_CAPACITY = 65536;

    private final Transport transport;
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextTag = new AtomicInteger(1);
    private final EventInbox inbox = new EventInbox(INBOX_CAPACITY);
    private final List<EventListener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService eventThread;
    private final Thread reader;
    private volatile ClientClosedException closedBy;
    private volatile String lastLog;

    private record Pending(int op, CompletableFuture<Frame> reply) {
    }

    Connection(Transport transport) {
        this.transport = transport;
        String name = "vplat-client " + transport.describe();
        this.eventThread = Executors.newSingleThreadExecutor(r -> daemon(r, name + " events"));
        this.reader = daemon(this::readLoop, name + " reader");
        reader.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    Transport transport() {
        return transport;
    }

    /**
     * Sends a request; the future completes with the reply frame, or exceptionally with a
     * {@link VplatException} (error reply) or {@link ClientClosedException}. The future is
     * completed on the reader thread: dependent stages must not block (use the *Async variants).
     */
    CompletableFuture<Frame> call(Op op, byte[] payload) {
        CompletableFuture<Frame> reply = new CompletableFuture<>();
        if (closedBy != null) {
            reply.completeExceptionally(closedBy);
            return reply;
        }
        int tag = allocateTag(new Pending(op.code(), reply));
        if (closedBy != null && pending.remove(tag) != null) {
            reply.completeExceptionally(closedBy);
            return reply;
        }
        try {
            transport.send(Frame.request(tag, op, payload));
        } catch (IOException e) {
            shutdown("sending " + op + " to " + transport.describe() + " failed", e);
        }
        return reply;
    }

    /** Tags are 1..2^32−1, wrapping, skipping 0 (reserved for events) and tags still in flight. */
    private int allocateTag(Pending p) {
        while (true) {
            int tag = nextTag.getAndIncrement();
            if (tag != 0 && pending.putIfAbsent(tag, p) == null) {
                return tag;
            }
        }
    }

    /** Number of requests sent and not yet answered. */
    int inFlight() {
        return pending.size();
    }

    void addListener(EventListener l) {
        listeners.add(l);
    }

    void removeListener(EventListener l) {
        listeners.remove(l);
    }

    <T extends Event> Optional<T> await(Class<T> type, Predicate<? super T> filter, Duration timeout) {
        try {
            return inbox.take(type, filter, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    void clearEvents() {
        inbox.clear();
    }

    long droppedEvents() {
        return inbox.dropped();
    }

    boolean isOpen() {
        return closedBy == null;
    }

    private void readLoop() {
        try {
            while (true) {
                Frame f = transport.receive();
                if (f == null) {
                    shutdown("server closed the connection", null);
                    return;
                }
                if (f.isEvent()) {
                    dispatch(Event.decode(f));
                } else if (f.isReply()) {
                    complete(f);
                } else {
                    shutdown("server sent a frame that is neither reply nor event: " + f, null);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            shutdown("connection to " + transport.describe() + " broke: " + e.getMessage(), e);
        }
    }

    private void complete(Frame f) {
        Pending p = pending.remove(f.tag());
        if (p == null) {
            shutdown("server replied to tag " + f.tag() + ", which no request carries: " + f, null);
            return;
        }
        if (f.result() < 0) {
            p.reply().completeExceptionally(decodeError(p.op(), f));
        } else {
            p.reply().complete(f);
        }
    }

    /** Error reply payload: u16 n, n bytes of UTF-8 message, then the op's error data. */
    static VplatException decodeError(int op, Frame f) {
        LeReader r = new LeReader(f.payload());
        String message = "";
        byte[] data = new byte[0];
        if (r.remaining() >= 2) {
            int n = r.u16();
            message = r.utf8(Math.min(n, r.remaining()));
            data = r.rest();
        }
        return new VplatException(op, -f.result(), message, data);
    }

    private void dispatch(Event e) {
        if (e instanceof Event.Log log) {
            lastLog = log.line();
        }
        inbox.add(e);
        if (!listeners.isEmpty()) {
            eventThread.execute(() -> {
                for (EventListener l : listeners) {
                    l.onEvent(e);
                }
            });
        }
    }

    /** Marks the connection dead once and fails every request still waiting. */
    private void shutdown(String why, Throwable cause) {
        synchronized (this) {
            if (closedBy != null) {
                return;
            }
            String log = lastLog;
            closedBy = new ClientClosedException(why + (log != null ? " (server said: " + log + ")" : ""), cause);
        }
        for (Integer tag : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(tag);
            if (p != null) {
                p.reply().completeExceptionally(closedBy);
            }
        }
        inbox.close();
        eventThread.shutdown();
        try {
            transport.close();
        } catch (IOException ignored) {
            // the connection is already unusable; nothing more to report
        }
    }

    /**
     * Says BYE (waiting a little for the reply), then closes the transport and stops the reader.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closedBy == null) {
            try {
                call(Op.BYE, new byte[0]).get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // the server may already be gone; closing is all that is left to do
            }
        }
        shutdown("closed by the client", null);
        try {
            reader.join(2000);
            eventThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
