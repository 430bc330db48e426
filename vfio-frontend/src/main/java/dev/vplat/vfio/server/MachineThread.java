package dev.vplat.vfio.server;

import dev.vplat.platform.clock.VirtualClock;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that owns the machine (DESIGN.md decision 5): every request of every session
 * runs here, one at a time, in the order the network threads queued them. A task that throws is
 * reported and the thread carries on.
 */
public final class MachineThread implements AutoCloseable {
    private final ServerHealth health;
    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "vplat-machine");
        t.setDaemon(true);
        return t;
    });

    public MachineThread() {
        this(new ServerHealth());
    }

    /** @param health where a task that throws is counted */
    public MachineThread(ServerHealth health) {
        this.health = health;
    }

    public void execute(Runnable task) {
        executor.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                health.internalError("machine thread task", e);
                e.printStackTrace();
            }
        });
    }

    /** Runs {@code task} on the machine thread and waits for its result (startup, tests, shutdown). */
    public <T> T call(Callable<T> task) {
        try {
            return executor.submit(task).get();
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
        executor.scheduleAtFixedRate(() -> {
            long target = base + (System.nanoTime() - start);
            if (target > clock.now()) {
                clock.advanceTo(target);
            }
        }, 1, 1, TimeUnit.MILLISECONDS);
    }

    /** Runs what is queued, then stops; periodic tasks are cancelled. */
    @Override
    public void close() {
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
