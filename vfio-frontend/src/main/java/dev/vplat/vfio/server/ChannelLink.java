package dev.vplat.vfio.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's connection as the machine thread sees it. Replies and events are handed to the
 * connection's network thread, which encodes and writes them in order; the flush is done when
 * the last of a run of queued messages is written, so a pipelining client gets few large writes
 * and a lone request is flushed at once.
 */
final class ChannelLink implements SessionLink {
    private final ChannelHandlerContext ctx;
    private final FlowControl flow;
    private final AtomicLong serverQueuedEvents;
    private final int maxQueuedEvents;
    private final AtomicInteger unflushed = new AtomicInteger();
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final AtomicBoolean backlogClosed = new AtomicBoolean();

    ChannelLink(ChannelHandlerContext ctx, FlowControl flow, AtomicLong serverQueuedEvents, int maxQueuedEvents) {
        this.ctx = ctx;
        this.flow = flow;
        this.serverQueuedEvents = serverQueuedEvents;
        this.maxQueuedEvents = maxQueuedEvents;
    }

    @Override
    public void complete(Outcome outcome, int wireSize) {
        unflushed.incrementAndGet();
        onNetworkThread(() -> {
            flow.completed(ctx.channel(), wireSize);
            if (outcome.message() != null) {
                if (outcome.close()) {
                    ctx.writeAndFlush(outcome.message()).addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.write(outcome.message(), ctx.voidPromise());
                }
            }
            flushIfLast();
        }, () -> { });
    }

    @Override
    public void event(Event event) {
        if (queuedEvents.incrementAndGet() > maxQueuedEvents) {
            queuedEvents.decrementAndGet();
            closeForBacklog();
            return;
        }
        serverQueuedEvents.incrementAndGet();
        unflushed.incrementAndGet();
        Runnable written = () -> {
            queuedEvents.decrementAndGet();
            serverQueuedEvents.decrementAndGet();
        };
        onNetworkThread(() -> {
            ctx.write(event).addListener(f -> written.run());
            flushIfLast();
        }, written);
    }

    private void closeForBacklog() {
        if (backlogClosed.compareAndSet(false, true)) {
            Event.Log notice = new Event.Log("vplat: closing this session: more than " + maxQueuedEvents
                    + " events are waiting to be read");
            onNetworkThread(() -> ctx.writeAndFlush(notice).addListener(ChannelFutureListener.CLOSE), () -> { });
        }
    }

    private void flushIfLast() {
        if (unflushed.decrementAndGet() == 0) {
            ctx.flush();
        }
    }

    /** Runs on the connection's event loop; {@code ifGone} when that loop has already shut down. */
    private void onNetworkThread(Runnable task, Runnable ifGone) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            ifGone.run();
        }
    }
}
