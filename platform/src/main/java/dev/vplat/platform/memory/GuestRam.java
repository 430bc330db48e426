package dev.vplat.platform.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Sparse, page-granular RAM. A page is allocated on its first write; reads of untouched pages
 * see zeros without allocating, so a 1 TiB machine costs only what a test touches. Offsets are
 * relative to the start of this RAM block, not guest-physical addresses; {@link AddressSpace}
 * does that translation.
 *
 * <p>Not thread-safe: all machine state is owned by one machine thread.
 */
public final class GuestRam {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final long MAX_SIZE = 1L << 52;
    private static final long PAGE_MASK = PAGE_SIZE - 1;
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];

    private final long size;
    private final PageTable pages = new PageTable();
    private long cachedPageNumber = -1;
    private byte[] cachedPage;

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

    /** Pages that have been written at least once; each costs {@value #PAGE_SIZE} bytes of heap. */
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
        byte[] page = pageForRead(offset >>> PAGE_SHIFT);
        switch (width) {
            case 1: return page[inPage] & 0xFFL;
            case 2: return ((short) SHORT_LE.get(page, inPage)) & 0xFFFFL;
            case 4: return ((int) INT_LE.get(page, inPage)) & 0xFFFF_FFFFL;
            case 8: return (long) LONG_LE.get(page, inPage);
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
        byte[] page = pageForWrite(offset >>> PAGE_SHIFT);
        switch (width) {
            case 1: page[inPage] = (byte) value; break;
            case 2: SHORT_LE.set(page, inPage, (short) value); break;
            case 4: INT_LE.set(page, inPage, (int) value); break;
            case 8: LONG_LE.set(page, inPage, value); break;
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
            byte[] page = pages.get(offset >>> PAGE_SHIFT);
            if (page == null) {
                Arrays.fill(dst, dstOffset, dstOffset + chunk, (byte) 0);
            } else {
                System.arraycopy(page, inPage, dst, dstOffset, chunk);
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
            System.arraycopy(src, srcOffset, pageForWrite(offset >>> PAGE_SHIFT), inPage, chunk);
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
                pages.remove(pageNumber);
                if (pageNumber == cachedPageNumber) {
                    cachedPageNumber = -1;
                    cachedPage = null;
                }
            } else if (value != 0 || pages.get(pageNumber) != null) {
                byte[] page = pageForWrite(pageNumber);
                Arrays.fill(page, inPage, inPage + chunk, value);
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
        byte[] from = pages.get(src >>> PAGE_SHIFT);
        long dstPage = dst >>> PAGE_SHIFT;
        if (from == null) {
            if (pages.get(dstPage) != null) {
                int at = (int) (dst & PAGE_MASK);
                Arrays.fill(pageForWrite(dstPage), at, at + chunk, (byte) 0);
            }
            return;
        }
        System.arraycopy(from, (int) (src & PAGE_MASK), pageForWrite(dstPage), (int) (dst & PAGE_MASK), chunk);
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

    private byte[] pageForRead(long pageNumber) {
        if (pageNumber == cachedPageNumber) {
            return cachedPage;
        }
        byte[] page = pages.get(pageNumber);
        if (page == null) {
            return ZERO_PAGE;
        }
        cachedPageNumber = pageNumber;
        cachedPage = page;
        return page;
    }

    private byte[] pageForWrite(long pageNumber) {
        if (pageNumber == cachedPageNumber) {
            return cachedPage;
        }
        byte[] page = pages.get(pageNumber);
        if (page == null) {
            page = new byte[PAGE_SIZE];
            pages.put(pageNumber, page);
        }
        cachedPageNumber = pageNumber;
        cachedPage = page;
        return page;
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

    /** Open-addressing map from page number to page; a HashMap would box every key on the hot path. */
    private static final class PageTable {
        private long[] keys = new long[1024];
        private byte[][] values = new byte[1024][];
        private int count;

        long count() {
            return count;
        }

        byte[] get(long key) {
            int mask = keys.length - 1;
            for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
                byte[] v = values[i];
                if (v == null) {
                    return null;
                }
                if (keys[i] == key) {
                    return v;
                }
            }
        }

        void put(long key, byte[] value) {
            if ((count + 1) * 2 > keys.length) {
                grow();
            }
            insert(key, value);
            count++;
        }

        private void insert(long key, byte[] value) {
            int mask = keys.length - 1;
            int i = hash(key) & mask;
            while (values[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = value;
        }

        void remove(long key) {
            int mask = keys.length - 1;
            int i = hash(key) & mask;
            while (values[i] != null && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (values[i] == null) {
                return;
            }
            values[i] = null;
            count--;
            // Re-insert the rest of the probe run so later lookups do not stop at the hole.
            for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
                long k = keys[j];
                byte[] v = values[j];
                values[j] = null;
                insert(k, v);
            }
        }

        private void grow() {
            long[] oldKeys = keys;
            byte[][] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new byte[oldKeys.length * 2][];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldValues[i] != null) {
                    insert(oldKeys[i], oldValues[i]);
                }
            }
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 32));
        }
    }
}
