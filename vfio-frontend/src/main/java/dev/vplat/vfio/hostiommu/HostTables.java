package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.HostPageAllocator;

/** Zeroed, naturally aligned blocks of host pool pages for the host drivers' tables and queues. */
final class HostTables {
    private static final int CHUNK = 64 * 1024;

    private HostTables() {
    }

    /** {@code pages} contiguous zeroed pages aligned to their size (dma_alloc_coherent). */
    static long zeroedBlock(GuestMemory ram, HostPageAllocator pool, int pages) {
        long block = pages == 1 ? pool.allocate() : pool.allocateContiguous(pages);
        long bytes = pages * HostPageAllocator.PAGE_SIZE;
        byte[] zeros = new byte[(int) Math.min(bytes, CHUNK)];
        for (long off = 0; off < bytes; off += zeros.length) {
            ram.write(block + off, zeros, 0, zeros.length);
        }
        return block;
    }

    /** One zeroed page. */
    static long zeroedPage(GuestMemory ram, HostPageAllocator pool) {
        return zeroedBlock(ram, pool, 1);
    }

    /** Pages needed for {@code bytes}, rounded up to a power of two. */
    static int pagesFor(long bytes) {
        long pages = Math.max(1, (bytes + HostPageAllocator.PAGE_SIZE - 1) / HostPageAllocator.PAGE_SIZE);
        return (int) Long.highestOneBit(pages * 2 - 1);
    }
}
