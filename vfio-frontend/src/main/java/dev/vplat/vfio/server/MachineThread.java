package dev.vplat.vfio.server;

import dev.vplat.platform.clock.VirtualClock;

import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that owns the machine (DESIGN.md decision 5): every request of every session
 * runs here, one at a time, in the order the network threads queued them. A task that throws is
 * reported and the thread carries on.
 *
 * <p>Why not an {@code Executor}: a synchronous client sends its next request a few
 * microseconds after it read the previous reply, and a parked thread takes longer than that to
 * wake (a futex wake by the producer, then the scheduler). So the queue is a lock-free
 * multi-producer queue and the thread, once it has run out of work, keeps polling it for up to
 * {@link #SPIN_NANOS} before it parks; a producer unparks it only when it really parked. Under a
 * steady stream of requests the thread never sleeps and no producer makes a system call; when
 * idle it costs nothing. The first {@link #BUSY_NANOS} of the wait are a busy spin (the next
 * request of a pipelined burst is usually already there); after that the thread yields between
 * polls, so on a machine with more runnable threads than cores the client and the network
 * threads get the core rather than a spinning machine thread.
 */
public final class MachineThread implements AutoCloseable {
    /**
     * How long the thread keeps polling its empty queue before it parks: longer than one client
     * round trip over a local socket (reply written, client woken, next request read), so a
     * synchronous client finds it awake, and short enough that an idle server sleeps at once.
     */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** The part of {@link #SPIN_NANOS} spent busy-spinning before the thread starts to yield. */
    static final long BUSY_NANOS = TimeUnit.MICROSECONDS.toNanos(2);

    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final ServerHealth health;
    private volatile boolean parked;
    private volatile boolean stopping;
    private Runnable periodic;
    private long periodNanos;
    private long nextPeriodic;

    public MachineThread() {
        this(new ServerHealth());
    }

    /** @param health where a task that throws is counted */
    public MachineThread(ServerHealth health) {
        this.health = health;
        thread = new Thread(this::loop, "vplat-machine");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues {@code task} behind everything queued before it.
     *
     * @throws RejectedExecutionException after {@link #close()}
     */
    public void execute(Runnable task) {
        if (stopping) {
            throw new RejectedExecutionException("the machine thread has stopped");
        }
        queue.offer(task);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Runs {@code task} on the machine thread and waits for its result (startup, tests, shutdown). */
    public <T> T call(Callable<T> task) {
        FutureTask<T> f = new FutureTask<>(task);
        execute(f);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the machine thread", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        }
    }

    /**
     * Real-time clock mode: every millisecond virtual time catches up with the wall time elapsed
     * since start (it never goes back, and clients may still step it ahead).
     */
    public void followWallClock(VirtualClock clock) {
        long start = System.nanoTime();
        long base = call(clock::now);
        execute(() -> every(TimeUnit.MILLISECONDS.toNanos(1), () -> {
            long target = base + (System.nanoTime() - start);
            if (target > clock.now()) {
                clock.advanceTo(target);
            }
        }));
    }

    private void every(long period, Runnable task) {
        periodic = task;
        periodNanos = period;
        nextPeriodic = System.nanoTime() + period;
    }

    private void loop() {
        while (true) {
            runPeriodicIfDue();
            Runnable task = poll();
            if (task != null) {
                run(task);
            } else if (stopping) {
                return;
            } else {
                park();
            }
        }
    }

    /** The next task, polling an empty queue for up to {@link #SPIN_NANOS}; null if none came. */
    private Runnable poll() {
        Runnable task = queue.poll();
        if (task != null) {
            return task;
        }
        long start = System.nanoTime();
        long waited;
        do {
            waited = System.nanoTime() - start;
            if (waited < BUSY_NANOS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            task = queue.poll();
        } while (task == null && !stopping && waited < SPIN_NANOS);
        return task;
    }

    /**
     * Parks until a producer unparks it (or the periodic task is due). {@code parked} is set
     * before the queue is checked again and a producer reads it after its offer, so one of the
     * two always sees the other: no task is left waiting for a wake-up that never comes.
     */
    private void park() {
        parked = true;
        if (queue.isEmpty() && !stopping) {
            if (periodic == null) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, nextPeriodic - System.nanoTime());
            }
        }
        parked = false;
    }

    private void runPeriodicIfDue() {
        if (periodic != null) {
            long now = System.nanoTime();
            if (now - nextPeriodic >= 0) {
                nextPeriodic = now + periodNanos;
                run(periodic);
            }
        }
    }

    private void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            health.internalError("machine thread task", e);
            System.err.println("vplat: machine thread task failed: " + e);
            e.printStackTrace();
        }
    }

    /** Runs what is queued, then stops; the periodic task is cancelled. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
