package dev.vplat.vfio.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's connection as the machine thread sees it: an outbox of replies and events that
 * the connection's network thread drains, encodes and writes in order. The machine thread
 * schedules a drain only when the outbox was idle, so a burst of replies to a pipelining client
 * costs one task hand-off and one flush, and a lone reply is flushed at once.
 */
final class ChannelLink implements SessionLink {
    /** A request answered: what to send (or nothing) and the request bytes its credit frees. */
    private record Completion(Outcome outcome, int wireSize) {
    }

    private final ChannelHandlerContext ctx;
    private final FlowControl flow;
    private final ReplySpin spin;
    private final AtomicLong serverQueuedEvents;
    private final int maxQueuedEvents;
    private final ConcurrentLinkedQueue<Object> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicBoolean backlogClosed = new AtomicBoolean();
    private final ChannelFutureListener eventWritten = f -> eventGone();

    ChannelLink(ChannelHandlerContext ctx, FlowControl flow, ReplySpin spin, AtomicLong serverQueuedEvents,
                int maxQueuedEvents) {
        this.ctx = ctx;
        this.flow = flow;
        this.spin = spin;
        this.serverQueuedEvents = serverQueuedEvents;
        this.maxQueuedEvents = maxQueuedEvents;
    }

    @Override
    public void complete(Outcome outcome, int wireSize) {
        post(new Completion(outcome, wireSize));
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
        }
        ctx.flush();
    }

    /** The network thread has shut down: nothing will be written, but the event counts must drop. */
    private void discard() {
        Object m;
        while ((m = outbox.poll()) != null) {
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
