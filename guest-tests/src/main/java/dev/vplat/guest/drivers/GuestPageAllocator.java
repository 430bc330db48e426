package dev.vplat.guest.drivers;

import dev.vplat.guest.client.VplatClient;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Hands out zeroed 4 KiB pages of guest-physical memory for tables, queues and DMA buffers, the
 * way a guest kernel's page allocator would. It owns a window of the lower part of RAM (the
 * server keeps the upper half for the host kernel's own pool), so nothing the host stack
 * allocates can collide with what a guest driver builds. Single pages come back through
 * {@link #free}; larger runs are bump-allocated and never reused.
 */
public final class GuestPageAllocator {
    public static final long PAGE_SIZE = 4096;
    /** Default window: 16 MiB to 1 GiB, above anything firmware-like and below the host pool of a 2 GiB machine. */
    public static final long DEFAULT_BASE = 0x0100_0000L, DEFAULT_LIMIT = 0x4000_0000L;

    private final VplatClient guest;
    private final long limit;
    private final Deque<Long> freePages = new ArrayDeque<>();
    private long next;

    public GuestPageAllocator(VplatClient guest, long base, long limit) {
        if ((base & (PAGE_SIZE - 1)) != 0 || limit <= base) {
            throw new IllegalArgumentException("window must be page aligned and non-empty");
        }
        this.guest = guest;
        this.next = base;
        this.limit = limit;
    }

    public GuestPageAllocator(VplatClient guest) {
        this(guest, DEFAULT_BASE, DEFAULT_LIMIT);
    }

    /** One zeroed page; its guest-physical address. */
    public long allocPage() {
        Long reused = freePages.poll();
        long page = reused != null ? reused : bump(PAGE_SIZE, PAGE_SIZE);
        guest.memFill(page, PAGE_SIZE, 0);
        return page;
    }

    /** {@code bytes} (rounded up to pages) of zeroed, contiguous memory aligned to {@code align} (a power of two ≥ 4 KiB). */
    public long alloc(long bytes, long align) {
        if (Long.bitCount(align) != 1 || align < PAGE_SIZE) {
            throw new IllegalArgumentException("alignment must be a power of two of at least 4 KiB: " + align);
        }
        long size = (bytes + PAGE_SIZE - 1) & -PAGE_SIZE;
        long start = bump(size, align);
        guest.memFill(start, size, 0);
        return start;
    }

    /** Returns a page from {@link #allocPage()} for reuse. */
    public void free(long page) {
        freePages.push(page);
    }

    private long bump(long size, long align) {
        long start = (next + align - 1) & -align;
        if (start + size > limit || start + size < start) {
            throw new IllegalStateException("guest page window exhausted at 0x" + Long.toHexString(start));
        }
        next = start + size;
        return start;
    }
}
