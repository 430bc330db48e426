package dev.vplat.platform.trace;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Opt-in, per-category trace. Callers guard with {@link #on(TraceCategory)} so a disabled
 * category costs one bit test and never builds a string. The last {@code tailSize} lines are
 * kept so a failing test can print what the machine did just before it failed.
 */
public final class Trace {
    private final EnumSet<TraceCategory> enabled = EnumSet.noneOf(TraceCategory.class);
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final int tailSize;
    private final List<Consumer<String>> sinks = new ArrayList<>();
    private LongSupplier clock = () -> 0L;
    private volatile long enabledMask;

    public Trace(int tailSize) {
        this.tailSize = tailSize;
    }

    public Trace() {
        this(256);
    }

    /** Trace timestamps come from the machine's virtual clock, so traces are reproducible. */
    public void timeSource(LongSupplier nanos) {
        this.clock = nanos;
    }

    public synchronized void enable(Set<TraceCategory> categories) {
        enabled.addAll(categories);
        recomputeMask();
    }

    public synchronized void disable(Set<TraceCategory> categories) {
        enabled.removeAll(categories);
        recomputeMask();
    }

    private void recomputeMask() {
        long m = 0;
        for (TraceCategory c : enabled) {
            m |= 1L << c.ordinal();
        }
        enabledMask = m;
    }

    public boolean on(TraceCategory category) {
        return (enabledMask & (1L << category.ordinal())) != 0;
    }

    public synchronized void addSink(Consumer<String> sink) {
        sinks.add(sink);
    }

    /** Records one line; callers check {@link #on} first. */
    public synchronized void line(TraceCategory category, String source, String message) {
        String text = String.format(Locale.ROOT, "%d %s %s: %s", clock.getAsLong(),
                category.name().toLowerCase(Locale.ROOT), source, message);
        if (tail.size() == tailSize) {
            tail.removeFirst();
        }
        tail.addLast(text);
        for (Consumer<String> sink : sinks) {
            sink.accept(text);
        }
    }

    /** Convenience that checks the category itself, for cold paths. */
    public void log(TraceCategory category, String source, String message) {
        if (on(category)) {
            line(category, source, message);
        }
    }

    public synchronized List<String> tail() {
        return List.copyOf(tail);
    }
}
