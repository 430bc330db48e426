package dev.vplat.vfio.iommufd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Disjoint inclusive intervals over the unsigned 64-bit space, ordered by start, with
 * logarithmic lookup of the first interval intersecting a range. Used for the allowed list, the
 * merged reserved spans and the free holes of an io_pagetable (the kernel's interval trees).
 */
final class IntervalSet {
    /** An inclusive interval. */
    record Span(long start, long last) { }

    private final TreeMap<Long, Long> spans = new TreeMap<>(Long::compareUnsigned);

    void add(long start, long last) {
        spans.put(start, last);
    }

    void clear() {
        spans.clear();
    }

    boolean isEmpty() {
        return spans.isEmpty();
    }

    /** The lowest interval intersecting [start, last], or null. */
    Span firstIntersecting(long start, long last) {
        Map.Entry<Long, Long> e = spans.floorEntry(start);
        if (e != null && U64.le(start, e.getValue())) {
            return new Span(e.getKey(), e.getValue());
        }
        e = spans.ceilingEntry(start);
        if (e != null && U64.le(e.getKey(), last)) {
            return new Span(e.getKey(), e.getValue());
        }
        return null;
    }

    boolean intersects(long start, long last) {
        return firstIntersecting(start, last) != null;
    }

    /** The interval that starts right after {@code s}, or null. */
    Span next(Span s) {
        if (s.last() == U64.MAX) {
            return null;
        }
        Map.Entry<Long, Long> e = spans.ceilingEntry(s.last() + 1);
        return e == null ? null : new Span(e.getKey(), e.getValue());
    }

    List<Span> all() {
        List<Span> out = new ArrayList<>(spans.size());
        spans.forEach((s, l) -> out.add(new Span(s, l)));
        return out;
    }

    /** Removes [start, last] from the interval that fully contains it, keeping the remainders. */
    void carve(long start, long last) {
        Span h = firstIntersecting(start, last);
        if (h == null || U64.lt(start, h.start()) || U64.lt(h.last(), last)) {
            throw new IllegalStateException("carve outside a free span");
        }
        spans.remove(h.start());
        if (U64.lt(h.start(), start)) {
            spans.put(h.start(), start - 1);
        }
        if (U64.lt(last, h.last())) {
            spans.put(last + 1, h.last());
        }
    }

    /** Adds [start, last] back, merging with the neighbours it touches. */
    void release(long start, long last) {
        long s = start;
        long l = last;
        if (start != 0) {
            Map.Entry<Long, Long> prev = spans.lowerEntry(start);
            if (prev != null && prev.getValue() == start - 1) {
                s = prev.getKey();
                spans.remove(prev.getKey());
            }
        }
        if (last != U64.MAX) {
            Long nextLast = spans.remove(last + 1);
            if (nextLast != null) {
                l = nextLast;
            }
        }
        spans.put(s, l);
    }

    /** The gaps of this set within [0, 2^64-1]. */
    List<Span> complement() {
        List<Span> out = new ArrayList<>();
        long cursor = 0;
        boolean done = false;
        for (Map.Entry<Long, Long> e : spans.entrySet()) {
            if (U64.lt(cursor, e.getKey())) {
                out.add(new Span(cursor, e.getKey() - 1));
            }
            if (e.getValue() == U64.MAX) {
                done = true;
                break;
            }
            cursor = e.getValue() + 1;
        }
        if (!done) {
            out.add(new Span(cursor, U64.MAX));
        }
        return out;
    }

    /** Intervals intersecting [start, last] in ascending order. */
    Iterable<Span> intersecting(long start, long last) {
        return () -> new java.util.Iterator<>() {
            Span cur = firstIntersecting(start, last);

            @Override
            public boolean hasNext() {
                return cur != null;
            }

            @Override
            public Span next() {
                Span r = cur;
                Span n = IntervalSet.this.next(r);
                cur = n != null && U64.le(n.start(), last) ? n : null;
                return r;
            }
        };
    }
}
