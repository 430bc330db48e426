package dev.vplat.vfio.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * Dispatch stage, the last inbound handler of either mode: queues each decoded message of its
 * session to the machine thread, where the mode's {@link SessionExecutor} runs it, and the
 * outcome comes back through the session's {@link ChannelLink}. When the connection closes, for
 * whatever reason, the session's exit is queued behind its last request.
 *
 * <p>While the connection's output is over its high water mark, the machine thread holds the
 * session's requests here instead of running them (other sessions go on) and runs them, in
 * order, once the link reports the output drained: a client that stops reading stops its own
 * requests, not the machine.
 */
public final class Dispatcher extends ChannelInboundHandlerAdapter {
    /** A request waiting for its connection's output to drain. */
    private record Held(Object message, int wireSize) {
    }

    private final MachineThread machine;
    private final SessionExecutor executor;
    private final ServerOptions options;
    private final ToIntFunction<Object> sizes;
    private final AtomicLong serverQueuedEvents;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final ServerHealth health;
    private FlowControl flow;
    private ReplySpin spin;
    private ChannelLink link;
    private Session session;

    /** @param sizes encoded size of an outbound message of this mode (its encoder's {@code wireSize}) */
    public Dispatcher(MachineThread machine, SessionExecutor executor, ServerOptions options,
                      ToIntFunction<Object> sizes, AtomicLong serverQueuedEvents, ServerHealth health) {
        this.machine = machine;
        this.executor = executor;
        this.options = options;
        this.sizes = sizes;
        this.serverQueuedEvents = serverQueuedEvents;
        this.health = health;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        flow = new FlowControl(options);
        spin = ReplySpin.onThisThread();
        link = new ChannelLink(ctx, flow, spin, sizes, () -> machine.execute(this::runHeld), options,
                serverQueuedEvents);
        session = new Session(link);
        if (!ctx.channel().isActive()) {
            machine.execute(this::exit);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int size = ((WireMessage) msg).wireSize();
        flow.admitted(ctx.channel(), size);
        spin.requested();
        machine.execute(() -> run(msg, size));
    }

    /** Machine thread: runs the request now, or holds it behind earlier held ones. */
    private void run(Object msg, int size) {
        if (!held.isEmpty() || link.holdIfBacklogged()) {
            held.add(new Held(msg, size));
            return;
        }
        link.complete(executor.execute(session, msg), size);
    }

    /** Machine thread: the output drained; runs held requests until it is over the mark again. */
    private void runHeld() {
        while (!held.isEmpty() && !link.holdIfBacklogged()) {
            Held h = held.poll();
            link.complete(executor.execute(session, h.message()), h.wireSize());
        }
    }

    /** Machine thread: the connection is gone; held requests still run (their replies go nowhere), then the process exits. */
    private void exit() {
        for (Held h; (h = held.poll()) != null; ) {
            link.complete(executor.execute(session, h.message()), h.wireSize());
        }
        executor.exit(session);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        flow.update(ctx.channel());
        if (ctx.channel().isWritable()) {
            link.maybeReleaseHold();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        machine.execute(this::exit);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            health.internalError("connection " + ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
