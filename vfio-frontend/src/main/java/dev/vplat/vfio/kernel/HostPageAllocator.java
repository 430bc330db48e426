package dev.vplat.vfio.kernel;

import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.util.ArrayDeque;

/**
 * The host kernel's page allocator: hands out 4 KiB guest-physical pages from a RAM range
 * reserved for the host stack (user-memory backing, page tables, invalidation queues). Pages are
 * zeroed by the caller's first write or explicitly; a freed page is reused last-freed first, which
 * keeps runs deterministic.
 */
public final class HostPageAllocator {
    public static final long PAGE_SIZE = 4096;
    private final long base;
    private final long limit;
    private long next;
    private final ArrayDeque<Long> free = new ArrayDeque<>();
    private long allocated;

    public HostPageAllocator(long base, long size) {
        if ((base & (PAGE_SIZE - 1)) != 0 || (size & (PAGE_SIZE - 1)) != 0 || size <= 0) {
            throw new IllegalArgumentException("host page pool must be page aligned");
        }
        this.base = base;
        this.limit = base + size;
        this.next = base;
    }

    /** Allocates one page and returns its guest-physical address; ENOMEM when the pool is empty. */
    public long allocate() {
        FailNth.point(FaultPoint.PAGE_ALLOC);
        Long page = free.pollFirst();
        if (page == null) {
            if (next >= limit) {
                throw new ErrnoException(Errno.ENOMEM, "host page pool exhausted");
            }
            page = next;
            next += PAGE_SIZE;
        }
        allocated++;
        return page;
    }

    /**
     * Allocates {@code count} physically contiguous pages aligned to their total size
     * ({@code count} a power of two), as dma_alloc_coherent gives a driver the queues and tables
     * its hardware reads as one block. Pages skipped for alignment go to the free list; each page
     * of the block is freed on its own. ENOMEM when no such run is left.
     */
    public long allocateContiguous(int count) {
        if (count <= 0 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("a contiguous block is a power of two of pages, not " + count);
        }
        FailNth.point(FaultPoint.PAGE_ALLOC);
        long bytes = count * PAGE_SIZE;
        long start = (next + bytes - 1) & -bytes;
        if (start > limit - bytes) {
            throw new ErrnoException(Errno.ENOMEM, "host page pool has no " + count + " contiguous pages left");
        }
        for (long skipped = next; skipped < start; skipped += PAGE_SIZE) {
            free.addLast(skipped);
        }
        next = start + bytes;
        allocated += count;
        return start;
    }

    public void free(long gpa) {
        if (gpa < base || gpa >= limit || (gpa & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("0x" + Long.toHexString(gpa) + " is not a host pool page");
        }
        free.addFirst(gpa);
        allocated--;
    }

    public long allocatedPages() {
        return allocated;
    }

    public long base() {
        return base;
    }

    public long size() {
        return limit - base;
    }
}
