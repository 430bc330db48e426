package dev.vplat.platform.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Sparse, page-granular RAM. A page is allocated on its first write; reads of untouched pages
 * see zeros without allocating, so a 1 TiB machine costs only what a test touches. Offsets are
 * relative to the start of this RAM block, not guest-physical addresses; {@link AddressSpace}
 * does that translation.
 *
 * <p>Page frames live outside the Java heap, carved in order of first touch from direct buffers
 * of {@value #SLAB_PAGES} pages (a zero-filled whole-page write gives its frame back for reuse).
 * Kept on the heap, every touched page is also live heap that the collector sizes its headroom
 * from, so a machine with 1 GiB touched needed about 1.5 GiB resident; off the heap the resident
 * set is the touched pages plus the JVM's own footprint.
 *
 * <p>Not thread-safe: all machine state is owned by one machine thread.
 */
public final class GuestRam {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final long MAX_SIZE = 1L << 52;
    private static final long PAGE_MASK = PAGE_SIZE - 1;
    /** Pages per direct buffer: large enough to keep buffers few, small enough that a tiny machine stays tiny. */
    static final int SLAB_PAGES = 64;
    private static final int SLAB_SHIFT = 6;

    private final long size;
    private final PageTable pages = new PageTable();
    private ByteBuffer[] slabs = new ByteBuffer[4];
    /** Frames carved so far; frame f is page f % SLAB_PAGES of slab f / SLAB_PAGES. */
    private int frames;
    private int[] freeFrames = new int[16];
    private int freeCount;
    private long cachedPageNumber = -1;
    private ByteBuffer cachedSlab;
    private int cachedBase;

    public GuestRam(long size) {
        if (size <= 0 || size > MAX_SIZE || (size & PAGE_MASK) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB up to 2^52, got 0x"
                    + Long.toHexString(size));
        }
        this.size = size;
    }

    public long size() {
        return size;
    }

    /** Pages that have been written at least once; each holds a {@value #PAGE_SIZE}-byte frame off the heap. */
    public long touchedPages() {
        return pages.count();
    }

    public long read(long offset, int width) {
        checkWidth(width);
        check(offset, width);
        int inPage = (int) (offset & PAGE_MASK);
        if (inPage + width > PAGE_SIZE) {
            return readSplit(offset, width);
        }
        long pageNumber = offset >>> PAGE_SHIFT;
        if (pageNumber != cachedPageNumber && !cache(pageNumber)) {
            return 0;
        }
        int at = cachedBase + inPage;
        switch (width) {
            case 1: return cachedSlab.get(at) & 0xFFL;
            case 2: return cachedSlab.getShort(at) & 0xFFFFL;
            case 4: return cachedSlab.getInt(at) & 0xFFFF_FFFFL;
            case 8: return cachedSlab.getLong(at);
            default: throw badWidth(width);
        }
    }

    public void write(long offset, int width, long value) {
        checkWidth(width);
        check(offset, width);
        int inPage = (int) (offset & PAGE_MASK);
        if (inPage + width > PAGE_SIZE) {
            writeSplit(offset, width, value);
            return;
        }
        cacheForWrite(offset >>> PAGE_SHIFT);
        int at = cachedBase + inPage;
        switch (width) {
            case 1: cachedSlab.put(at, (byte) value); break;
            case 2: cachedSlab.putShort(at, (short) value); break;
            case 4: cachedSlab.putInt(at, (int) value); break;
            case 8: cachedSlab.putLong(at, value); break;
            default: throw badWidth(width);
        }
    }

    /** Copies {@code length} bytes out of RAM, a page-sized chunk at a time. */
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        checkRange(offset, length);
        while (length > 0) {
            int inPage = (int) (offset & PAGE_MASK);
            int chunk = Math.min(length, PAGE_SIZE - inPage);
            int frame = pages.get(offset >>> PAGE_SHIFT);
            if (frame < 0) {
                Arrays.fill(dst, dstOffset, dstOffset + chunk, (byte) 0);
            } else {
                slab(frame).get(base(frame) + inPage, dst, dstOffset, chunk);
            }
            offset += chunk;
            dstOffset += chunk;
            length -= chunk;
        }
    }

    /** Copies {@code length} bytes into RAM, allocating the pages it touches. */
    public void write(long offset, byte[] src, int srcOffset, int length) {
        Objects.checkFromIndexSize(srcOffset, length, src.length);
        checkRange(offset, length);
        while (length > 0) {
            int inPage = (int) (offset & PAGE_MASK);
            int chunk = Math.min(length, PAGE_SIZE - inPage);
            cacheForWrite(offset >>> PAGE_SHIFT);
            cachedSlab.put(cachedBase + inPage, src, srcOffset, chunk);
            offset += chunk;
            srcOffset += chunk;
            length -= chunk;
        }
    }

    /** Fills a range; filling whole untouched pages with zero allocates nothing. */
    public void fill(long offset, long length, byte value) {
        checkRange(offset, length);
        while (length > 0) {
            int inPage = (int) (offset & PAGE_MASK);
            int chunk = (int) Math.min(length, PAGE_SIZE - inPage);
            long pageNumber = offset >>> PAGE_SHIFT;
            if (value == 0 && chunk == PAGE_SIZE) {
                release(pageNumber);
            } else if (value != 0 || pages.get(pageNumber) >= 0) {
                cacheForWrite(pageNumber);
                fillFrame(cachedSlab, cachedBase + inPage, chunk, value);
            }
            offset += chunk;
            length -= chunk;
        }
    }

    /**
     * Copies within RAM with memmove semantics (overlapping ranges are safe), page to page with
     * no bounce buffer. Untouched source pages stay unallocated in the destination where they can.
     */
    public void copy(long srcOffset, long dstOffset, long length) {
        checkRange(srcOffset, length);
        checkRange(dstOffset, length);
        if (length == 0 || srcOffset == dstOffset) {
            return;
        }
        if (dstOffset > srcOffset && dstOffset < srcOffset + length) {
            copyBackward(srcOffset, dstOffset, length);
        } else {
            copyForward(srcOffset, dstOffset, length);
        }
    }

    private void copyForward(long src, long dst, long length) {
        while (length > 0) {
            int chunk = (int) Math.min(length, Math.min(PAGE_SIZE - (src & PAGE_MASK), PAGE_SIZE - (dst & PAGE_MASK)));
            copyChunk(src, dst, chunk);
            src += chunk;
            dst += chunk;
            length -= chunk;
        }
    }

    /** Walks from the end so that an overlapping destination above the source is never read back. */
    private void copyBackward(long src, long dst, long length) {
        long srcEnd = src + length;
        long dstEnd = dst + length;
        while (length > 0) {
            long srcIn = ((srcEnd - 1) & PAGE_MASK) + 1;
            long dstIn = ((dstEnd - 1) & PAGE_MASK) + 1;
            int chunk = (int) Math.min(length, Math.min(srcIn, dstIn));
            srcEnd -= chunk;
            dstEnd -= chunk;
            copyChunk(srcEnd, dstEnd, chunk);
            length -= chunk;
        }
    }

    /** Copies a range that lies inside one source page and one destination page. */
    private void copyChunk(long src, long dst, int chunk) {
        int from = pages.get(src >>> PAGE_SHIFT);
        long dstPage = dst >>> PAGE_SHIFT;
        int at = (int) (dst & PAGE_MASK);
        if (from < 0) {
            if (pages.get(dstPage) >= 0) {
                cacheForWrite(dstPage);
                fillFrame(cachedSlab, cachedBase + at, chunk, (byte) 0);
            }
            return;
        }
        cacheForWrite(dstPage);
        cachedSlab.put(cachedBase + at, slab(from), base(from) + (int) (src & PAGE_MASK), chunk);
    }

    /** An access crossing a page boundary: its bytes come from the two pages, little-endian. */
    private long readSplit(long offset, int width) {
        byte[] bytes = new byte[width];
        read(offset, bytes, 0, width);
        return LittleEndian.load(bytes, 0, width);
    }

    private void writeSplit(long offset, int width, long value) {
        byte[] bytes = new byte[width];
        LittleEndian.store(value, bytes, 0, width);
        write(offset, bytes, 0, width);
    }

    /** Points the cache at {@code pageNumber}'s frame; false (cache unchanged) when it has none. */
    private boolean cache(long pageNumber) {
        int frame = pages.get(pageNumber);
        if (frame < 0) {
            return false;
        }
        cachedPageNumber = pageNumber;
        cachedSlab = slab(frame);
        cachedBase = base(frame);
        return true;
    }

    /** Points the cache at {@code pageNumber}'s frame, giving the page a zeroed frame on first touch. */
    private void cacheForWrite(long pageNumber) {
        if (pageNumber == cachedPageNumber || cache(pageNumber)) {
            return;
        }
        int frame = newFrame();
        pages.put(pageNumber, frame);
        cachedPageNumber = pageNumber;
        cachedSlab = slab(frame);
        cachedBase = base(frame);
    }

    /** A zeroed frame: a released one if any, else the next of the current slab (a new slab when it is full). */
    private int newFrame() {
        if (freeCount > 0) {
            int frame = freeFrames[--freeCount];
            fillFrame(slab(frame), base(frame), PAGE_SIZE, (byte) 0);
            return frame;
        }
        int frame = frames++;
        int slab = frame >>> SLAB_SHIFT;
        if (slab == slabs.length) {
            slabs = Arrays.copyOf(slabs, slabs.length * 2);
        }
        if (slabs[slab] == null) {
            // allocateDirect zero-fills, so a fresh frame needs no clearing.
            slabs[slab] = ByteBuffer.allocateDirect(SLAB_PAGES * PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        }
        return frame;
    }

    private void release(long pageNumber) {
        int frame = pages.remove(pageNumber);
        if (frame < 0) {
            return;
        }
        if (freeCount == freeFrames.length) {
            freeFrames = Arrays.copyOf(freeFrames, freeCount * 2);
        }
        freeFrames[freeCount++] = frame;
        if (pageNumber == cachedPageNumber) {
            cachedPageNumber = -1;
            cachedSlab = null;
        }
    }

    private ByteBuffer slab(int frame) {
        return slabs[frame >>> SLAB_SHIFT];
    }

    private static int base(int frame) {
        return (frame & (SLAB_PAGES - 1)) << PAGE_SHIFT;
    }

    /** Fills {@code length} bytes at {@code at}, eight at a time where it can. */
    private static void fillFrame(ByteBuffer slab, int at, int length, byte value) {
        long pattern = (value & 0xFFL) * 0x0101_0101_0101_0101L;
        int end = at + length;
        int i = at;
        for (; i < end && (i & 7) != 0; i++) {
            slab.put(i, value);
        }
        for (; i + 8 <= end; i += 8) {
            slab.putLong(i, pattern);
        }
        for (; i < end; i++) {
            slab.put(i, value);
        }
    }

    private static void checkWidth(int width) {
        if (width != 1 && width != 2 && width != 4 && width != 8) {
            throw badWidth(width);
        }
    }

    private void check(long offset, int width) {
        if (offset < 0 || offset > size - width) {
            throw new MemoryAccessException(String.format(
                    "RAM access of %d bytes at offset 0x%x is outside RAM of size 0x%x", width, offset, size));
        }
    }

    private void checkRange(long offset, long length) {
        if (length < 0 || offset < 0 || offset > size - length) {
            throw new MemoryAccessException(String.format(
                    "RAM range [0x%x, +0x%x) is outside RAM of size 0x%x", offset, length, size));
        }
    }

    private static IllegalArgumentException badWidth(int width) {
        return new IllegalArgumentException("access width must be 1, 2, 4 or 8, got " + width);
    }

    /**
     * Page number → frame, as an open-addressing map from a group of {@value #GROUP_PAGES}
     * consecutive pages to their frames: a HashMap would box every key on the hot path, and a
     * slot per page would cost a 1 TiB machine with 1 GiB touched tens of MiB of heap.
     */
    private static final class PageTable {
        private static final int GROUP_SHIFT = 4;
        private static final int GROUP_PAGES = 1 << GROUP_SHIFT;

        private long[] keys = new long[256];
        /** Per group, frame + 1 of each page (0: no frame); null marks an empty slot. */
        private int[][] groups = new int[256][];
        private int groupCount;
        private long count;

        long count() {
            return count;
        }

        /** The frame of page {@code page}, or -1. */
        int get(long page) {
            int[] g = group(page >>> GROUP_SHIFT);
            return g == null ? -1 : g[(int) page & (GROUP_PAGES - 1)] - 1;
        }

        /** Gives page {@code page}, which has no frame, frame {@code frame}. */
        void put(long page, int frame) {
            long key = page >>> GROUP_SHIFT;
            int[] g = group(key);
            if (g == null) {
                if ((groupCount + 1) * 2 > keys.length) {
                    grow();
                }
                g = new int[GROUP_PAGES];
                insert(key, g);
                groupCount++;
            }
            g[(int) page & (GROUP_PAGES - 1)] = frame + 1;
            count++;
        }

        /** Takes page {@code page}'s frame away; the frame, or -1 when it had none. */
        int remove(long page) {
            long key = page >>> GROUP_SHIFT;
            int mask = keys.length - 1;
            int i = hash(key) & mask;
            while (groups[i] != null && keys[i] != key) {
                i = (i + 1) & mask;
            }
            int[] g = groups[i];
            int at = (int) page & (GROUP_PAGES - 1);
            if (g == null || g[at] == 0) {
                return -1;
            }
            int frame = g[at] - 1;
            g[at] = 0;
            count--;
            for (int v : g) {
                if (v != 0) {
                    return frame;
                }
            }
            groups[i] = null;
            groupCount--;
            // Re-insert the rest of the probe run so later lookups do not stop at the hole.
            for (int j = (i + 1) & mask; groups[j] != null; j = (j + 1) & mask) {
                long k = keys[j];
                int[] v = groups[j];
                groups[j] = null;
                insert(k, v);
            }
            return frame;
        }

        private int[] group(long key) {
            int mask = keys.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                int[] g = groups[i];
                if (g == null || keys[i] == key) {
                    return g;
                }
            }
        }

        private void insert(long key, int[] group) {
            int mask = keys.length - 1;
            int i = hash(key) & mask;
            while (groups[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            groups[i] = group;
        }

        private void grow() {
            long[] oldKeys = keys;
            int[][] oldGroups = groups;
            keys = new long[oldKeys.length * 2];
            groups = new int[oldKeys.length * 2][];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldGroups[i] != null) {
                    insert(oldKeys[i], oldGroups[i]);
                }
            }
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
