package dev.vplat.platform.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memory tree rendered into sorted, non-overlapping ranges of leaf regions (RAM or MMIO),
 * looked up by binary search. Built by painting subregions from the highest priority down and
 * filling only what is still uncovered, so lookups never consider overlaps.
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

    List<String> describe() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < starts.length; i++) {
            out.add(String.format("%016x-%016x %s", starts[i], ends[i] - 1, leaves[i].name()));
        }
        return out;
    }

    private record Range(long start, long end, MemoryRegion leaf, long leafOffset) {
    }

    static FlatView of(MemoryRegion root, long limit) {
        Painter painter = new Painter();
        painter.render(root, 0, 0, Math.min(limit, root.size()));
        List<Range> ranges = new ArrayList<>(painter.covered.values());
        return new FlatView(ranges);
    }

    private static final class Painter {
        final TreeMap<Long, Range> covered = new TreeMap<>();

        /**
         * Renders {@code region} placed at absolute address {@code base}, restricted to the
         * absolute window [lo, hi).
         */
        void render(MemoryRegion region, long base, long lo, long hi) {
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
                    render(p.region(), saturatingAdd(base, p.offset()), start, end);
                }
            } else if (region instanceof AliasRegion a) {
                render(a.target(), base - a.targetOffset(), start, end);
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
