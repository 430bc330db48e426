package dev.vplat.vfio.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;

import java.util.concurrent.TimeUnit;

/**
 * How the server's event loops wait for the machine thread. While a loop has handed requests to
 * the machine thread and their replies have not come back, it polls its task queue for up to
 * {@link #SPIN_NANOS} before it lets its transport block ({@code epoll_wait}, {@code select},
 * or a park for the in-VM transport). A request takes the machine about a microsecond, so the
 * reply is usually back within the spin and is written without the machine thread having to
 * wake the loop and without the loop's trip through the scheduler. A loop with nothing
 * outstanding blocks at once, and a long request (a reset, a big DMA) costs one bounded spin.
 * The loop yields between polls: on an idle machine a yield returns at once, on a busy one it
 * hands the core to whoever can use it (a spinning loop there only delays the client).
 *
 * <p>Each event loop thread has one counter ({@link #onThisThread()}); the dispatch stage of a
 * connection counts its requests up when it queues them and the reply drain counts them down,
 * both on that loop thread, so the counter is a plain field.
 */
final class ReplySpin {
    /** Longest time a loop spins for outstanding replies before it blocks. */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

    private static final ThreadLocal<ReplySpin> LOOP = ThreadLocal.withInitial(ReplySpin::new);

    private int outstanding;

    /** The counter of the calling event loop thread. */
    static ReplySpin onThisThread() {
        return LOOP.get();
    }

    void requested() {
        outstanding++;
    }

    void answered() {
        outstanding--;
    }

    /** {@code transport}'s handlers, each spinning for outstanding replies before it may block. */
    static IoHandlerFactory around(IoHandlerFactory transport) {
        return executor -> new Spinning(transport.newHandler(executor));
    }

    /** A transport's handler with the spin in front of its blocking wait. */
    private static final class Spinning implements IoHandler {
        private final IoHandler transport;
        private ReplySpin spin;

        Spinning(IoHandler transport) {
            this.transport = transport;
        }

        @Override
        public void initialize() {
            transport.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            if (spin == null) {
                spin = onThisThread();
            }
            if (spin.outstanding > 0 && context.canBlock()) {
                long deadline = System.nanoTime() + SPIN_NANOS;
                do {
                    Thread.yield();
                } while (context.canBlock() && System.nanoTime() - deadline < 0);
            }
            return transport.run(context);
        }

        @Override
        public void prepareToDestroy() {
            transport.prepareToDestroy();
        }

        @Override
        public void destroy() {
            transport.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return transport.register(handle);
        }

        @Override
        public void wakeup() {
            transport.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return transport.isCompatible(handleType);
        }
    }
}
