package dev.vplat.vfio.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Contiguous, naturally aligned blocks for tables and queues the hardware reads as one. */
class HostPageAllocatorContiguousTest {
    private static final long PAGE = HostPageAllocator.PAGE_SIZE;

    @Test
    void blockIsAlignedToItsSizeAndSkippedPagesAreReusedFirst() {
        HostPageAllocator pool = new HostPageAllocator(0x4000_1000L, 64 * PAGE);
        long block = pool.allocateContiguous(4);
        assertEquals(0x4000_4000L, block, "first 16 KiB boundary in the pool");
        assertEquals(4, pool.allocatedPages());
        assertEquals(0x4000_1000L, pool.allocate(), "a page skipped for alignment");
        assertEquals(0x4000_2000L, pool.allocate());
    }

    @Test
    void blockLargerThanWhatIsLeftFailsWithEnomem() {
        HostPageAllocator pool = new HostPageAllocator(0, 8 * PAGE);
        pool.allocate();
        assertEquals(Errno.ENOMEM, assertThrows(ErrnoException.class, () -> pool.allocateContiguous(8)).errno());
    }
}
