package dev.vplat.guest.bench;

import java.time.Duration;

/**
 * A plain timed loop, the same shape as {@code PlatformBench}'s: each measurement warms up for a
 * fifth of its budget, then runs growing batches until the budget is spent, and every batch's
 * checksum goes to a sink so the JIT cannot drop the work. Wire workloads block on sockets, so
 * a batch is simply "do n operations"; the batch size only grows while a batch takes under
 * 10 ms, which keeps the clock reads out of the figure.
 */
public final class Meter {
    private static volatile long sink;
    private final Duration budget;

    public Meter(Duration budget) {
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException("a measurement needs a positive duration, not " + budget);
        }
        this.budget = budget;
    }

    /** One unit of benchmark work, run {@code n} times; returns a checksum of what it saw. */
    @FunctionalInterface
    public interface Workload {
        long run(long n);
    }

    /** Operations done and the nanoseconds they took. */
    public record Rate(long ops, long nanos) {
        public double perSecond() {
            return nanos == 0 ? Double.NaN : ops * 1e9 / nanos;
        }
    }

    public Duration budget() {
        return budget;
    }

    /** Warms {@code work} up, then measures it. */
    public Rate measure(Workload work) {
        long nanos = budget.toNanos();
        run(work, Math.max(1, nanos / 5));
        return run(work, nanos);
    }

    private static Rate run(Workload work, long budgetNanos) {
        long batch = 1;
        long ops = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            long t0 = System.nanoTime();
            sink += work.run(batch);
            ops += batch;
            if (System.nanoTime() - t0 < 10_000_000L) {
                batch *= 2;
            }
            elapsed = System.nanoTime() - start;
        } while (elapsed < budgetNanos);
        return new Rate(ops, elapsed);
    }
}
