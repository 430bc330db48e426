package dev.vplat.vfio.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * A session's connection as the machine thread sees it: an outbox of replies and events that
 * the connection's network thread drains, encodes and writes in order. The machine thread
 * schedules a drain only when the outbox was idle, so a burst of replies to a pipelining client
 * costs one task hand-off and one flush, and a lone reply is flushed at once.
 *
 * <p>The link also keeps the connection's output bounded. Everything posted is charged at its
 * encoded size plus Netty's per-message bookkeeping until it is in Netty's outbound buffer,
 * whose own count takes over from there; the machine thread asks {@link #holdIfBacklogged()}
 * before running a request, so at most one reply is added once the total is over the high
 * water mark. The network thread calls the drain hook when a held session may go on: after a
 * drain or when the channel turns writable, whichever first finds the total under the mark.
 */
final class ChannelLink implements SessionLink {
    /** What Netty's ChannelOutboundBuffer adds to a message's size in its pending-bytes count. */
    static final int NETTY_ENTRY_OVERHEAD = 96;

    /** A request answered: what to send (or nothing) and the request bytes its credit frees. */
    private record Completion(Outcome outcome, int wireSize) {
    }

    private final ChannelHandlerContext ctx;
    private final FlowControl flow;
    private final ReplySpin spin;
    private final ToIntFunction<Object> sizes;
    private final Runnable drained;
    private final long highWaterMark;
    private final AtomicLong serverQueuedEvents;
    private final int maxQueuedEvents;
    private final AtomicLong unsent = new AtomicLong();
    private final AtomicBoolean held = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Object> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicBoolean backlogClosed = new AtomicBoolean();
    private final ChannelFutureListener eventWritten = f -> eventGone();

    /**
     * @param sizes   encoded size of an outbound message of the connection's mode
     * @param drained run on the network thread when a held session's output is back under the mark
     */
    ChannelLink(ChannelHandlerContext ctx, FlowControl flow, ReplySpin spin, ToIntFunction<Object> sizes,
                Runnable drained, ServerOptions options, AtomicLong serverQueuedEvents) {
        this.ctx = ctx;
        this.flow = flow;
        this.spin = spin;
        this.sizes = sizes;
        this.drained = drained;
        this.highWaterMark = options.writeHighWaterMark();
        this.serverQueuedEvents = serverQueuedEvents;
        this.maxQueuedEvents = options.maxQueuedEvents();
    }

    @Override
    public void complete(Outcome outcome, int wireSize) {
        post(new Completion(outcome, wireSize));
    }

    /**
     * {@code held} is set before the total is read again, and the network thread reads it after
     * lowering the total, so a drain that races with this call is never missed.
     */
    @Override
    public boolean holdIfBacklogged() {
        if (!backlogged()) {
            return false;
        }
        held.set(true);
        if (backlogged()) {
            return true;
        }
        held.set(false);
        return false;
    }

    /** Unsent output over the high water mark: what is posted here plus Netty's pending bytes. */
    private boolean backlogged() {
        ChannelOutboundBuffer netty = ctx.channel().unsafe().outboundBuffer();
        return unsent.get() + (netty == null ? 0 : netty.totalPendingWriteBytes()) > highWaterMark;
    }

    /** Network thread: lets a held session go on once its output is under the mark. */
    void maybeReleaseHold() {
        if (held.get() && !backlogged() && held.compareAndSet(true, false)) {
            drained.run();
        }
    }

    private static Object message(Object posted) {
        return posted instanceof Completion c ? c.outcome().message() : posted;
    }

    private long charge(Object message) {
        return message == null ? 0 : sizes.applyAsInt(message) + NETTY_ENTRY_OVERHEAD;
    }

    @Override
    public void event(Event event) {
        if (queuedEvents.incrementAndGet() > maxQueuedEvents) {
            queuedEvents.decrementAndGet();
            closeForBacklog();
            return;
        }
        serverQueuedEvents.incrementAndGet();
        post(event);
    }

    private void post(Object message) {
        unsent.addAndGet(charge(message(message)));
        outbox.offer(message);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                ctx.executor().execute(drain);
            } catch (RejectedExecutionException gone) {
                discard();
                drainScheduled.set(false);
            }
        }
    }

    /**
     * Network thread: writes everything queued, then flushes once. The flag is cleared before
     * the queue is read, so a message posted while draining either is seen here or schedules
     * the next drain.
     */
    private void drain() {
        drainScheduled.set(false);
        Object m;
        while ((m = outbox.poll()) != null) {
            if (m instanceof Completion c) {
                spin.answered();
                flow.completed(ctx.channel(), c.wireSize());
                Object message = c.outcome().message();
                if (message != null) {
                    if (c.outcome().close()) {
                        ctx.writeAndFlush(message).addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ctx.write(message, ctx.voidPromise());
                    }
                }
            } else {
                ctx.write(m).addListener(eventWritten);
            }
            unsent.addAndGet(-charge(message(m)));
        }
        ctx.flush();
        maybeReleaseHold();
    }

    /** The network thread has shut down: nothing will be written, but the event counts must drop. */
    private void discard() {
        Object m;
        while ((m = outbox.poll()) != null) {
            unsent.addAndGet(-charge(message(m)));
            if (m instanceof Event) {
                eventGone();
            }
        }
    }

    private void eventGone() {
        queuedEvents.decrementAndGet();
        serverQueuedEvents.decrementAndGet();
    }

    private void closeForBacklog() {
        if (backlogClosed.compareAndSet(false, true)) {
            Event.Log notice = new Event.Log("vplat: closing this session: more than " + maxQueuedEvents
                    + " events are waiting to be read");
            try {
                ctx.executor().execute(() -> ctx.writeAndFlush(notice).addListener(ChannelFutureListener.CLOSE));
            } catch (RejectedExecutionException gone) {
                // the connection's network thread is gone, and the connection with it
            }
        }
    }
}
