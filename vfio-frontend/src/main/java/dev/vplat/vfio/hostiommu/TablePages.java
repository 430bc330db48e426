package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.HostPageAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * The host pool pages one page table is built from: each allocated zeroed when a walk first
 * needs it, all returned to the pool when the table is freed (the table's pages in Linux's
 * io-pgtable and in the VT-d driver's domain teardown).
 */
final class TablePages {
    private final GuestMemory ram;
    private final HostPageAllocator pool;
    private final List<Long> pages = new ArrayList<>();

    TablePages(GuestMemory ram, HostPageAllocator pool) {
        this.ram = ram;
        this.pool = pool;
    }

    /** A new zeroed table page. */
    long allocate() {
        long page = HostTables.zeroedPage(ram, pool);
        pages.add(page);
        return page;
    }

    /** Table pages in use, root included. */
    int count() {
        return pages.size();
    }

    void freeAll() {
        for (long page : pages) {
            pool.free(page);
        }
        pages.clear();
    }
}
