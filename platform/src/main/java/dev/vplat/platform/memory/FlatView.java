package dev.vplat.platform.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memory tree rendered into sorted, non-overlapping ranges of leaf regions (RAM or MMIO),
 * looked up by binary search. Built like QEMU's {@code render_memory_region}: a container's
 * subregions are painted from the highest priority down (at equal priority the later-added
 * first), each clipped to its parent's window, and a leaf fills only what is still uncovered.
 * A container covers nothing by itself, so lower-priority siblings show through its holes; an
 * alias paints its target shifted by the alias offset and clipped to the alias size.
 */
final class FlatView {
    final long[] starts;
    final long[] ends;
    final MemoryRegion[] leaves;
    final long[] leafOffsets;

    private FlatView(List<Range> ranges) {
        int n = ranges.size();
        starts = new long[n];
        ends = new long[n];
        leaves = new MemoryRegion[n];
        leafOffsets = new long[n];
        for (int i = 0; i < n; i++) {
            Range r = ranges.get(i);
            starts[i] = r.start;
            ends[i] = r.end;
            leaves[i] = r.leaf;
            leafOffsets[i] = r.leafOffset;
        }
    }

    /** Index of the range holding {@code addr}, or -1. */
    int find(long addr) {
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (addr < starts[mid]) {
                hi = mid - 1;
            } else if (addr >= ends[mid]) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    /** The first range start above {@code addr}, or {@link Long#MAX_VALUE} when none follows. */
    long nextStartAfter(long addr) {
        int lo = 0;
        int hi = starts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= addr) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < starts.length ? starts[lo] : Long.MAX_VALUE;
    }

    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            out.add(String.format("%016x-%016x %s", starts[i], ends[i] - 1, leaves[i].name()));
        }
        return out;
    }

    private record Range(long start, long end, MemoryRegion leaf, long leafOffset) {
    }

    /** Deeper nesting than this can only be an alias or container cycle. */
    private static final int MAX_DEPTH = 64;

    static FlatView of(MemoryRegion root, long limit) {
        Painter painter = new Painter();
        painter.render(root, 0, 0, Math.min(limit, root.size()), 0);
        List<Range> ranges = new ArrayList<>(painter.covered.values());
        return new FlatView(ranges);
    }

    private static final class Painter {
        final TreeMap<Long, Range> covered = new TreeMap<>();

        /**
         * Renders {@code region} placed at absolute address {@code base}, restricted to the
         * absolute window [lo, hi).
         */
        void render(MemoryRegion region, long base, long lo, long hi, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalStateException("memory tree nests deeper than " + MAX_DEPTH
                        + " levels at " + region.name() + ": an alias or container contains itself");
            }
            long start = Math.max(lo, base);
            long end = Math.min(hi, saturatingAdd(base, region.size()));
            if (start >= end) {
                return;
            }
            if (region instanceof ContainerRegion c) {
                List<ContainerRegion.Placement> order = new ArrayList<>(c.placements());
                order.sort(Comparator.comparingInt(ContainerRegion.Placement::priority)
                        .thenComparingLong(ContainerRegion.Placement::order).reversed());
                for (ContainerRegion.Placement p : order) {
                    render(p.region(), saturatingAdd(base, p.offset()), start, end, depth + 1);
                }
            } else if (region instanceof AliasRegion a) {
                render(a.target(), base - a.targetOffset(), start, end, depth + 1);
            } else {
                fillGaps(region, base, start, end);
            }
        }

        private void fillGaps(MemoryRegion leaf, long base, long start, long end) {
            long cursor = start;
            Map.Entry<Long, Range> before = covered.floorEntry(cursor);
            if (before != null && before.getValue().end > cursor) {
                cursor = before.getValue().end;
            }
            while (cursor < end) {
                Map.Entry<Long, Range> next = covered.ceilingEntry(cursor);
                long gapEnd = next == null ? end : Math.min(end, next.getKey());
                if (gapEnd > cursor) {
                    covered.put(cursor, new Range(cursor, gapEnd, leaf, cursor - base));
                }
                if (next == null || next.getKey() >= end) {
                    break;
                }
                cursor = next.getValue().end;
            }
        }

        private static long saturatingAdd(long a, long b) {
            long r = a + b;
            return r < a ? Long.MAX_VALUE : r;
        }
    }
}
