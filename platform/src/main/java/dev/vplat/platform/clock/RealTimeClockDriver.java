package dev.vplat.platform.clock;

import java.util.function.LongSupplier;

/**
 * Real-time mode: maps wall-clock nanoseconds elapsed since the driver started onto the virtual
 * clock. It owns no thread; the machine thread calls {@link #poll()} between requests (and may
 * sleep for {@link #wallNanosUntilNextDeadline()} when idle), so timers still fire only on the
 * thread that owns the machine and the clock never moves under a running request.
 *
 * <p>Virtual time never goes back: if someone stepped the clock past the wall-clock mapping,
 * {@code poll} leaves it alone until the wall clock catches up.
 */
public final class RealTimeClockDriver {
    private final VirtualClock clock;
    private final LongSupplier wallNanos;
    private final long wallStart;
    private final long virtualStart;

    /**
     * @param wallNanos a monotonic wall clock, normally {@code System::nanoTime}; a test passes
     *                  its own supplier
     */
    public RealTimeClockDriver(VirtualClock clock, LongSupplier wallNanos) {
        this.clock = clock;
        this.wallNanos = wallNanos;
        this.wallStart = wallNanos.getAsLong();
        this.virtualStart = clock.now();
    }

    public static RealTimeClockDriver systemNanoTime(VirtualClock clock) {
        return new RealTimeClockDriver(clock, System::nanoTime);
    }

    /** The virtual time that the wall clock maps to now. */
    public long target() {
        long elapsed = Math.max(0, wallNanos.getAsLong() - wallStart);
        long t = virtualStart + elapsed;
        return t < virtualStart ? Long.MAX_VALUE : t;
    }

    /** Brings virtual time up to the wall clock, firing due timers; returns the virtual time. */
    public long poll() {
        long target = target();
        return target > clock.now() ? clock.advanceTo(target) : clock.now();
    }

    /**
     * How long the owner may sleep before the next timer is due in wall time: 0 when one is due
     * already, -1 when no timer is armed.
     */
    public long wallNanosUntilNextDeadline() {
        long deadline = clock.nextDeadline();
        if (deadline < 0) {
            return -1;
        }
        return Math.max(0, deadline - target());
    }
}
