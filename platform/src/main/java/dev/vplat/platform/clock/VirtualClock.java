package dev.vplat.platform.clock;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Deterministic virtual nanoseconds. Time moves only through {@link #step} and
 * {@link #stepToNextDeadline} (or {@link #advanceTo}, which the real-time mode calls from the
 * wall clock). Timers fire in deadline order, ties in the order they were armed, and the clock
 * reads each timer's deadline while its callback runs, so a callback that re-arms relative to
 * {@link #now()} keeps an exact period. A callback may arm, re-arm and cancel timers (a timer
 * it arms at or before the target fires in the same step) but must not step the clock itself.
 *
 * <p>Not thread-safe: the machine thread owns the clock; {@link RealTimeClockDriver} is how
 * wall time reaches it.
 */
public final class VirtualClock {
    private final PriorityQueue<Timer> queue = new PriorityQueue<>(
            Comparator.comparingLong((Timer t) -> t.deadline).thenComparingLong(t -> t.armSequence));
    private long now;
    private long sequence;
    private boolean advancing;

    public long now() {
        return now;
    }

    public Timer newTimer(String name, Runnable callback) {
        return new Timer(this, name, callback);
    }

    void arm(Timer t, long deadline) {
        if (t.deadline >= 0) {
            queue.remove(t);
        }
        t.deadline = Math.max(0, deadline);
        t.armSequence = sequence++;
        queue.add(t);
    }

    void cancel(Timer t) {
        if (t.deadline >= 0) {
            queue.remove(t);
            t.deadline = -1;
        }
    }

    /** Deadline of the earliest armed timer, or -1. */
    public long nextDeadline() {
        Timer t = queue.peek();
        return t == null ? -1 : t.deadline;
    }

    /** Advances by {@code ns}, firing every timer due on the way. Returns the new time. */
    public long step(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("cannot step the clock backwards");
        }
        long target = now + ns < now ? Long.MAX_VALUE : now + ns;
        return advanceTo(target);
    }

    /** Advances to the earliest deadline and fires what is due there; with no timer, time stays. */
    public long stepToNextDeadline() {
        long d = nextDeadline();
        return d < 0 ? now : advanceTo(Math.max(d, now));
    }

    /** Advances to an absolute time, firing every timer due up to and including it. */
    public long advanceTo(long target) {
        if (target < now) {
            throw new IllegalArgumentException("clock is at " + now + " ns, cannot go back to " + target);
        }
        if (advancing) {
            throw new IllegalStateException("a timer callback tried to step the clock");
        }
        advancing = true;
        try {
            while (!queue.isEmpty() && queue.peek().deadline <= target) {
                Timer t = queue.poll();
                now = Math.max(now, t.deadline);
                t.deadline = -1;
                t.fire();
            }
            now = target;
            return now;
        } finally {
            advancing = false;
        }
    }
}
