package dev.vplat.vfio.server;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

import java.util.concurrent.TimeUnit;

/**
 * The select strategy of the server's event loops: while a loop has handed requests to the
 * machine thread and their replies have not come back, it polls its task queue for up to
 * {@link #SPIN_NANOS} instead of blocking in {@code epoll_wait}/{@code select}. A machine
 * request takes about a microsecond, so the reply is usually back within the spin and is
 * written without the machine thread having to wake the loop (an eventfd write) and without
 * the loop's trip through the scheduler. A loop with nothing outstanding blocks at once, as
 * Netty's default strategy does, and a long request (a reset, a big DMA) costs one bounded spin.
 *
 * <p>Each event loop thread has one counter ({@link #onThisThread()}); the dispatch stage of a
 * connection counts its requests up when it queues them and the reply drain counts them down,
 * both on that loop thread, so the counter is a plain field.
 */
final class ReplySpin {
    /** Longest time a loop spins for outstanding replies before it blocks. */
    static final long SPIN_NANOS = Long.getLong("xloop", 50_000);
    static final boolean YIELD = Boolean.getBoolean("xloopyield");

    private static final ThreadLocal<ReplySpin> LOOP = ThreadLocal.withInitial(ReplySpin::new);

    /** Netty's strategy for one event loop, reading that loop thread's counter. */
    static final SelectStrategyFactory FACTORY = () -> new SelectStrategy() {
        private ReplySpin spin;
        private long spinningSince;
        private boolean spinning;

        @Override
        public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
            if (hasTasks) {
                spinning = false;
                return selectNow.get();
            }
            if (spin == null) {
                spin = onThisThread();
            }
            if (spin.outstanding > 0) {
                long now = System.nanoTime();
                if (!spinning) {
                    spinning = true;
                    spinningSince = now;
                }
                if (now - spinningSince < SPIN_NANOS) {
                    if (YIELD) Thread.yield(); else Thread.onSpinWait();
                    return SelectStrategy.CONTINUE;
                }
            }
            spinning = false;
            return SelectStrategy.SELECT;
        }
    };

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

    int outstanding() {
        return outstanding;
    }
}
