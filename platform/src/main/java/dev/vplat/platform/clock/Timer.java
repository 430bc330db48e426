package dev.vplat.platform.clock;

/** A one-shot timer on the virtual clock; re-arming moves its deadline. */
public final class Timer {
    private final VirtualClock clock;
    private final String name;
    private final Runnable callback;
    long deadline = -1;
    long armSequence;

    Timer(VirtualClock clock, String name, Runnable callback) {
        this.clock = clock;
        this.name = name;
        this.callback = callback;
    }

    public String name() {
        return name;
    }

    /** Arms at an absolute virtual time; a deadline in the past fires at the next step. */
    public void armAt(long deadlineNs) {
        clock.arm(this, deadlineNs);
    }

    /** Arms {@code delayNs} after now; a delay beyond the end of time never fires. */
    public void armIn(long delayNs) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("timer " + name + ": negative delay " + delayNs);
        }
        long now = clock.now();
        clock.arm(this, now + delayNs < now ? Long.MAX_VALUE : now + delayNs);
    }

    public void cancel() {
        clock.cancel(this);
    }

    public boolean armed() {
        return deadline >= 0;
    }

    public long deadline() {
        return deadline;
    }

    void fire() {
        callback.run();
    }
}
