package dev.vplat.vfio.kernel;

/**
 * A table keyed by a page (an address or page number), each entry holding one {@code long}
 * value and one {@code int} count: the per-page bookkeeping of user memory and pinning (what
 * Linux keeps in struct page and the iopt_pages xarray). Open addressing with linear probing
 * over parallel primitive arrays, so a lookup, an insert or a removal allocates nothing and
 * boxes nothing; removal shifts the following entries back instead of leaving tombstones.
 *
 * <p>A slot number is valid until the next {@link #add} or {@link #remove}.
 */
public final class PageSlots {
    private static final int MIN_CAPACITY = 16;

    private long[] keys;
    private long[] values;
    private int[] counts;
    private boolean[] used;
    private int size;

    public PageSlots() {
        allocate(MIN_CAPACITY);
    }

    /** Visits one entry. */
    @FunctionalInterface
    public interface Visitor {
        void visit(long key, long value, int count);
    }

    public int size() {
        return size;
    }

    /** The slot of {@code key}, or -1. */
    public int find(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; used[i]; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return i;
            }
        }
        return -1;
    }

    /** The slot of {@code key}, inserted with value 0 and count 0 if it was absent. */
    public int add(long key) {
        int slot = find(key);
        if (slot >= 0) {
            return slot;
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (used[i]) {
            i = (i + 1) & mask;
        }
        used[i] = true;
        keys[i] = key;
        values[i] = 0;
        counts[i] = 0;
        size++;
        return i;
    }

    public long key(int slot) {
        return keys[slot];
    }

    public long value(int slot) {
        return values[slot];
    }

    public void setValue(int slot, long value) {
        values[slot] = value;
    }

    public int count(int slot) {
        return counts[slot];
    }

    /** Adds {@code delta} to the slot's count and returns the new count. */
    public int addCount(int slot, int delta) {
        return counts[slot] += delta;
    }

    /** Removes the entry in {@code slot}, moving back the entries its removal would cut off. */
    public void remove(int slot) {
        int mask = keys.length - 1;
        int hole = slot;
        for (int i = (hole + 1) & mask; used[i]; i = (i + 1) & mask) {
            int home = hash(keys[i]) & mask;
            // The entry at i may fill the hole unless its home lies cyclically in (hole, i].
            boolean homeAfterHole = hole <= i ? home > hole && home <= i : home > hole || home <= i;
            if (!homeAfterHole) {
                keys[hole] = keys[i];
                values[hole] = values[i];
                counts[hole] = counts[i];
                hole = i;
            }
        }
        used[hole] = false;
        size--;
    }

    public void clear() {
        if (size > 0) {
            allocate(MIN_CAPACITY);
        }
    }

    /** Visits every entry, in no particular order; the visitor must not change the table. */
    public void forEach(Visitor visitor) {
        for (int i = 0; i < keys.length; i++) {
            if (used[i]) {
                visitor.visit(keys[i], values[i], counts[i]);
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        int[] oldCounts = counts;
        boolean[] oldUsed = used;
        allocate(oldKeys.length * 2);
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldUsed[j]) {
                int i = hash(oldKeys[j]) & mask;
                while (used[i]) {
                    i = (i + 1) & mask;
                }
                used[i] = true;
                keys[i] = oldKeys[j];
                values[i] = oldValues[j];
                counts[i] = oldCounts[j];
                size++;
            }
        }
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new long[capacity];
        counts = new int[capacity];
        used = new boolean[capacity];
        size = 0;
    }

    /** Page addresses and page numbers differ in their high bits; a multiplicative mix spreads them. */
    private static int hash(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h ^ h >>> 32);
    }
}
