package dev.vplat.iommu.smmuv3;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The unit's TLB: leaf translations of completed walks, tagged the way IHI 0070 §3.17 and the
 * TLBI commands (§4.4) select them. Stage 1 entries map VA blocks to IPA (or PA) and carry
 * StreamWorld, VMID and ASID tags; stage 2 entries map IPA blocks to PA under a VMID. A nested
 * translation uses one of each, so TLBI_S2_IPA reaches combined results as well (invalidating
 * more than required is permitted). Nothing is dropped without a command except when the table
 * is full, when it is emptied at once (as QEMU does), so a changed table entry keeps
 * translating the old way until software invalidates it.
 */
final class Iotlb {
    static final int CAPACITY = 4096;

    /** Tags and address of one cached block. {@code world} is -1 for stage 2 entries. */
    record Entry(boolean stage2, int world, int vmid, int asid, long inputBase, PageTableWalker.Leaf leaf) {
        boolean overlaps(long lo, long hiExclusive) {
            long size = 1L << leaf.shift();
            return Long.compareUnsigned(inputBase, hiExclusive - 1) <= 0
                    && Long.compareUnsigned(inputBase + size - 1, lo) >= 0;
        }

        boolean global() {
            return !stage2 && (leaf.descriptor() & PageTableWalker.NON_GLOBAL) == 0;
        }
    }

    private record Key(boolean stage2, int world, int vmid, int asid, int shift, long base) {
    }

    private final Map<Key, Entry> entries = new HashMap<>();

    Entry lookupStage1(int world, int vmid, int asid, long va, Granule g) {
        return lookup(false, world, vmid, asid, va, g);
    }

    Entry lookupStage2(int vmid, long ipa, Granule g) {
        return lookup(true, -1, vmid, 0, ipa, g);
    }

    void insertStage1(int world, int vmid, int asid, long va, PageTableWalker.Leaf leaf) {
        insert(false, world, vmid, asid, va, leaf);
    }

    void insertStage2(int vmid, long ipa, PageTableWalker.Leaf leaf) {
        insert(true, -1, vmid, 0, ipa, leaf);
    }

    /** Removes every entry the predicate selects; returns how many. */
    int invalidate(Predicate<Entry> which) {
        int before = entries.size();
        entries.values().removeIf(which);
        return before - entries.size();
    }

    void clear() {
        entries.clear();
    }

    int size() {
        return entries.size();
    }

    private Entry lookup(boolean stage2, int world, int vmid, int asid, long addr, Granule g) {
        for (int level = 3; level >= 1; level--) {
            if (level < 3 && !g.blockAllowed(level)) {
                continue;
            }
            int shift = g.levelShift(level);
            Entry e = entries.get(new Key(stage2, world, vmid, asid, shift, addr & -(1L << shift)));
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    private void insert(boolean stage2, int world, int vmid, int asid, long addr, PageTableWalker.Leaf leaf) {
        if (entries.size() >= CAPACITY) {
            entries.clear();
        }
        long base = addr & -(1L << leaf.shift());
        entries.put(new Key(stage2, world, vmid, asid, leaf.shift(), base),
                new Entry(stage2, world, vmid, asid, base, leaf));
    }
}
