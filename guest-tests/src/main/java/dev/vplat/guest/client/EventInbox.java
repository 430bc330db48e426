package dev.vplat.guest.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Events kept for the blocking {@code await…} helpers. A waiter takes the oldest event that
 * matches it and leaves the others, so waiting for an eventfd does not eat an MSI. The inbox is
 * bounded: when full, the oldest event is dropped and counted, so a client that never waits
 * cannot grow without limit.
 */
final class EventInbox {
    private final int capacity;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private long dropped;
    private boolean closed;

    EventInbox(int capacity) {
        this.capacity = capacity;
    }

    void add(Event event) {
        lock.lock();
        try {
            if (events.size() == capacity) {
                events.removeFirst();
                dropped++;
            }
            events.addLast(event);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter: no more events will come. */
    void close() {
        lock.lock();
        try {
            closed = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns the oldest event of {@code type} matching {@code filter}, waiting up to {@code timeout}. */
    <T extends Event> Optional<T> take(Class<T> type, Predicate<? super T> filter, Duration timeout)
            throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                for (Iterator<Event> it = events.iterator(); it.hasNext(); ) {
                    Event e = it.next();
                    if (type.isInstance(e) && filter.test(type.cast(e))) {
                        it.remove();
                        return Optional.of(type.cast(e));
                    }
                }
                if (closed || remaining <= 0) {
                    return Optional.empty();
                }
                remaining = arrived.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Discards every kept event. */
    void clear() {
        lock.lock();
        try {
            events.clear();
        } finally {
            lock.unlock();
        }
    }

    long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }
}
