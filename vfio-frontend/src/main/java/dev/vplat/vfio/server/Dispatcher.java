package dev.vplat.vfio.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Dispatch stage, the last inbound handler of either mode: queues each decoded message of its
 * session to the machine thread, where the mode's {@link SessionExecutor} runs it, and the
 * outcome comes back through the session's {@link ChannelLink}. When the connection closes, for
 * whatever reason, the session's exit is queued behind its last request.
 */
public final class Dispatcher extends ChannelInboundHandlerAdapter {
    private final MachineThread machine;
    private final SessionExecutor executor;
    private final ServerOptions options;
    private final AtomicLong serverQueuedEvents;
    private final ServerHealth health;
    private FlowControl flow;
    private Session session;

    public Dispatcher(MachineThread machine, SessionExecutor executor, ServerOptions options, AtomicLong serverQueuedEvents,
                      ServerHealth health) {
        this.machine = machine;
        this.executor = executor;
        this.options = options;
        this.serverQueuedEvents = serverQueuedEvents;
        this.health = health;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        flow = new FlowControl(options);
        session = new Session(new ChannelLink(ctx, flow, serverQueuedEvents, options.maxQueuedEvents()));
        if (!ctx.channel().isActive()) {
            machine.execute(() -> executor.exit(session));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        int size = ((WireMessage) msg).wireSize();
        flow.admitted(ctx.channel(), size);
        Session s = session;
        machine.execute(() -> s.link().complete(executor.execute(s, msg), size));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        flow.update(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Session s = session;
        machine.execute(() -> executor.exit(s));
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
