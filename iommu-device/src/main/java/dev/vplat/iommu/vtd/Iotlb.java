package dev.vplat.iommu.vtd;

/**
 * The unit's IOTLB (VT-d spec §6.2.3): successful leaf translations tagged
 * with domain-id and PASID, at the page size of the leaf that mapped them (4 KiB, 2 MiB,
 * 1 GiB). Faults are never cached. An open-addressed table of parallel primitive arrays, so
 * a hit is a few array loads and allocates nothing; when it fills up it is emptied, as QEMU's
 * vtd_update_iotlb does, which is one of the evictions hardware is allowed at any time.
 */
final class Iotlb {
    /** PASID tag of entries for requests without PASID in legacy mode. */
    static final int NO_PASID_TAG = 1 << 20;

    static final int PERM_READ = 1;
    static final int PERM_WRITE = 2;
    /** Entry came from a first-level (PGTT=001) walk: only PASID-based invalidation drops it by page. */
    static final int FIRST_LEVEL = 4;
    /** First-level entry whose leaf already has D=1, so writes need no walk to set it. */
    static final int DIRTY = 8;

    private static final int SLOTS = 8192;
    private static final int MAX_ENTRIES = 4096;
    private static final long EMPTY = -1L;

    private long[] tags = new long[SLOTS];
    private long[] pages = new long[SLOTS];
    private long[] outputs = new long[SLOTS];
    private int[] metas = new int[SLOTS];
    private int size;

    Iotlb() {
        java.util.Arrays.fill(tags, EMPTY);
    }

    static int shift(int level) {
        return 12 + 9 * (level - 1);
    }

    private static long tag(int did, int pasidTag, int level) {
        return (long) did << 24 | (long) level << 21 | pasidTag;
    }

    private static int hash(long tag, long page) {
        long h = tag * 0x9E37_79B9_7F4A_7C15L ^ page * 0xC2B2_AE3D_27D4_EB4FL;
        return (int) (h ^ h >>> 29) & (SLOTS - 1);
    }

    /** Slot of the entry covering {@code iova}, trying 4 KiB, 2 MiB then 1 GiB leaves; -1 on a miss. */
    int lookup(int did, int pasidTag, long iova) {
        for (int level = 1; level <= 3; level++) {
            long t = tag(did, pasidTag, level);
            long p = iova >>> shift(level);
            int i = hash(t, p);
            while (true) {
                long st = tags[i];
                if (st == EMPTY) {
                    break;
                }
                if (st == t && pages[i] == p) {
                    return i;
                }
                i = (i + 1) & (SLOTS - 1);
            }
            if (size == 0) {
                return -1;
            }
        }
        return -1;
    }

    /** Output address of the page the entry maps (page-aligned). */
    long output(int slot) {
        return outputs[slot];
    }

    int meta(int slot) {
        return metas[slot];
    }

    static int levelOfTag(long tag) {
        return (int) (tag >>> 21) & 7;
    }

    int level(int slot) {
        return levelOfTag(tags[slot]);
    }

    void insert(int did, int pasidTag, long iova, int level, long output, int meta) {
        if (size >= MAX_ENTRIES) {
            clear();
        }
        long t = tag(did, pasidTag, level);
        long p = iova >>> shift(level);
        int i = hash(t, p);
        while (tags[i] != EMPTY) {
            if (tags[i] == t && pages[i] == p) {
                outputs[i] = output;
                metas[i] = meta;
                return;
            }
            i = (i + 1) & (SLOTS - 1);
        }
        tags[i] = t;
        pages[i] = p;
        outputs[i] = output;
        metas[i] = meta;
        size++;
    }

    int size() {
        return size;
    }

    void clear() {
        if (size > 0) {
            java.util.Arrays.fill(tags, EMPTY);
            size = 0;
        }
    }

    /** Which entries an invalidation drops. */
    @FunctionalInterface
    interface Selector {
        boolean matches(int did, int pasidTag, boolean firstLevel, long firstByte, long lastByte);
    }

    /** Drops every entry the selector matches; returns how many. */
    int invalidate(Selector selector) {
        if (size == 0) {
            return 0;
        }
        int removed = 0;
        long[] oldTags = tags;
        long[] oldPages = pages;
        long[] oldOutputs = outputs;
        int[] oldMetas = metas;
        for (int i = 0; i < SLOTS; i++) {
            long t = oldTags[i];
            if (t != EMPTY) {
                int level = levelOfTag(t);
                long first = oldPages[i] << shift(level);
                long last = first + (1L << shift(level)) - 1;
                if (selector.matches((int) (t >>> 24), (int) (t & 0x1F_FFFF), (oldMetas[i] & FIRST_LEVEL) != 0, first, last)) {
                    removed++;
                }
            }
        }
        if (removed == 0) {
            return 0;
        }
        tags = new long[SLOTS];
        pages = new long[SLOTS];
        outputs = new long[SLOTS];
        metas = new int[SLOTS];
        java.util.Arrays.fill(tags, EMPTY);
        size = 0;
        for (int i = 0; i < SLOTS; i++) {
            long t = oldTags[i];
            if (t == EMPTY) {
                continue;
            }
            int level = levelOfTag(t);
            long first = oldPages[i] << shift(level);
            long last = first + (1L << shift(level)) - 1;
            if (!selector.matches((int) (t >>> 24), (int) (t & 0x1F_FFFF), (oldMetas[i] & FIRST_LEVEL) != 0, first, last)) {
                insert((int) (t >>> 24), (int) (t & 0x1F_FFFF), first, level, oldOutputs[i], oldMetas[i]);
            }
        }
        return removed;
    }
}
