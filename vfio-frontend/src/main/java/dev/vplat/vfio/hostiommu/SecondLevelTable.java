package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostPageAllocator;

/**
 * A VT-d second-level page table in emulated RAM (spec §9.8, fact sheet A.18): 512 eight-byte
 * entries per 4 KiB table, 9 index bits per level, an entry present iff R or W is set, PS marking
 * a 2 MiB or 1 GiB leaf. Non-leaf entries carry R|W as Linux writes them. Table pages come from
 * the host page pool and go back to it in {@link #free()}.
 */
final class SecondLevelTable {
    static final long PTE_READ = 1;
    static final long PTE_WRITE = 1 << 1;
    static final long PTE_LARGE_PAGE = 1 << 7;
    private static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    private static final int PAGE_SHIFT = 12;
    private static final long PAGE = 1L << PAGE_SHIFT;
    private static final int ENTRIES = 512;
    /** {@link #leafTable} answers: no table (an upper entry is not present), or a large leaf in the way. */
    private static final long ABSENT = -1;
    private static final long LARGE_LEAF = -2;

    private final GuestMemory ram;
    private final TablePages tablePages;
    private final int levels;
    private final long root;

    /** @param levels 3 (39-bit) or 4 (48-bit), as the context entry's AW says (levels = 2 + AW) */
    SecondLevelTable(GuestMemory ram, HostPageAllocator pages, int levels) {
        this.ram = ram;
        this.tablePages = new TablePages(ram, pages);
        this.levels = levels;
        this.root = tablePages.allocate();
    }

    long root() {
        return root;
    }

    int levels() {
        return levels;
    }

    /** Input address width the table translates: 12 + 9 · levels bits. */
    int addressWidth() {
        return PAGE_SHIFT + 9 * levels;
    }

    private static int shift(int level) {
        return PAGE_SHIFT + 9 * (level - 1);
    }

    private static long entryAddr(long table, long iova, int level) {
        return table + ((iova >>> shift(level)) & 0x1FF) * 8;
    }

    /**
     * Writes a leaf for the page of {@code 1 << (12 + 9·(leafLevel−1))} bytes at {@code iova};
     * leafLevel 1 is a 4 KiB page, 2 a 2 MiB page.
     */
    void map(long iova, long gpa, int leafLevel, long prot) {
        long table = root;
        for (int level = levels; level > leafLevel; level--) {
            long slot = entryAddr(table, iova, level);
            long pte = ram.readRam(slot, 8);
            if ((pte & (PTE_READ | PTE_WRITE)) == 0) {
                long next = tablePages.allocate();
                pte = next | PTE_READ | PTE_WRITE;
                ram.writeRam(slot, 8, pte);
            }
            table = pte & ADDR_MASK;
        }
        ram.writeRam(entryAddr(table, iova, leafLevel), 8,
                (gpa & ADDR_MASK) | prot | (leafLevel > 1 ? PTE_LARGE_PAGE : 0));
    }

    /**
     * Writes 4 KiB leaves for [iova, iova+length) to [gpa, gpa+length), walking to each leaf
     * table once (domain_mapping: one walk per run of up to 512 leaves). The caller has checked
     * with {@link #firstMapped} that the range is empty. All or nothing: if a table page cannot
     * be allocated (ENOMEM) the leaves already written are cleared again before it propagates.
     */
    void mapPages(long iova, long gpa, long length, long prot) {
        long done = 0;
        try {
            while (done < length) {
                long at = iova + done;
                long table = leafTable(at, true);
                int first = index(at, 1);
                int n = (int) Math.min(ENTRIES - first, (length - done) >>> PAGE_SHIFT);
                for (int k = 0; k < n; k++) {
                    ram.writeRam(table + (first + k) * 8L, 8, ((gpa + done) & ADDR_MASK) | prot);
                    done += PAGE;
                }
            }
        } catch (ErrnoException e) {
            if (done > 0) {
                unmapPages(iova, done);
            }
            throw e;
        }
    }

    /**
     * The lowest IOVA in [iova, iova+length) that a leaf maps, or -1: one walk per leaf table,
     * and a missing upper-level entry skips the whole region it would cover.
     */
    long firstMapped(long iova, long length) {
        long end = iova + length;
        long at = iova;
        while (Long.compareUnsigned(at, end) < 0) {
            long table = leafTable(at, false);
            if (table == LARGE_LEAF) {
                return at;
            }
            if (table == ABSENT) {
                at = nextBoundary(at, 2);
                continue;
            }
            int first = index(at, 1);
            int n = (int) Math.min(ENTRIES - first, (end - at + PAGE - 1) >>> PAGE_SHIFT);
            for (int k = 0; k < n; k++) {
                if (present(ram.readRam(table + (first + k) * 8L, 8))) {
                    return at + k * PAGE;
                }
            }
            at = nextBoundary(at, 2);
        }
        return -1;
    }

    /**
     * Clears every leaf in [iova, iova+length) with one walk per leaf table; returns the bytes
     * the cleared leaves mapped (a large leaf counts whole, as {@link #unmap} does).
     */
    long unmapPages(long iova, long length) {
        long end = iova + length;
        long at = iova;
        long unmapped = 0;
        while (Long.compareUnsigned(at, end) < 0) {
            long table = leafTable(at, false);
            if (table == LARGE_LEAF) {
                long size = unmap(at);
                unmapped += size;
                at = (at & -size) + size;
                continue;
            }
            if (table != ABSENT) {
                int first = index(at, 1);
                int n = (int) Math.min(ENTRIES - first, (end - at + PAGE - 1) >>> PAGE_SHIFT);
                for (int k = 0; k < n; k++) {
                    long slot = table + (first + k) * 8L;
                    if (present(ram.readRam(slot, 8))) {
                        ram.writeRam(slot, 8, 0);
                        unmapped += PAGE;
                    }
                }
            }
            at = nextBoundary(at, 2);
        }
        return unmapped;
    }

    /**
     * The level-1 table translating {@code iova}: created on the way when {@code create};
     * otherwise {@link #ABSENT} when an upper entry is not present, and {@link #LARGE_LEAF} when
     * a 2 MiB or 1 GiB leaf maps it.
     */
    private long leafTable(long iova, boolean create) {
        long table = root;
        for (int level = levels; level > 1; level--) {
            long slot = entryAddr(table, iova, level);
            long pte = ram.readRam(slot, 8);
            if (!present(pte)) {
                if (!create) {
                    return ABSENT;
                }
                pte = tablePages.allocate() | PTE_READ | PTE_WRITE;
                ram.writeRam(slot, 8, pte);
            } else if ((pte & PTE_LARGE_PAGE) != 0) {
                return LARGE_LEAF;
            }
            table = pte & ADDR_MASK;
        }
        return table;
    }

    private static boolean present(long pte) {
        return (pte & (PTE_READ | PTE_WRITE)) != 0;
    }

    private static int index(long iova, int level) {
        return (int) ((iova >>> shift(level)) & 0x1FF);
    }

    /** The first address past the region one entry at {@code level} covers (0 past the top). */
    private static long nextBoundary(long iova, int level) {
        long size = 1L << shift(level);
        return (iova & -size) + size;
    }

    /** Clears the leaf covering {@code iova}; returns the bytes it mapped, 0 if nothing was mapped. */
    long unmap(long iova) {
        long table = root;
        for (int level = levels; level >= 1; level--) {
            long slot = entryAddr(table, iova, level);
            long pte = ram.readRam(slot, 8);
            if ((pte & (PTE_READ | PTE_WRITE)) == 0) {
                return 0;
            }
            if (level == 1 || (pte & PTE_LARGE_PAGE) != 0) {
                ram.writeRam(slot, 8, 0);
                return 1L << shift(level);
            }
            table = pte & ADDR_MASK;
        }
        return 0;
    }

    /** The address {@code iova} translates to, or -1 (a software walk, like iova_to_phys). */
    long lookup(long iova) {
        long table = root;
        for (int level = levels; level >= 1; level--) {
            long pte = ram.readRam(entryAddr(table, iova, level), 8);
            if ((pte & (PTE_READ | PTE_WRITE)) == 0) {
                return -1;
            }
            if (level == 1 || (pte & PTE_LARGE_PAGE) != 0) {
                long size = 1L << shift(level);
                return (pte & ADDR_MASK & ~(size - 1)) | (iova & (size - 1));
            }
            table = pte & ADDR_MASK;
        }
        return -1;
    }

    /** Table pages in use, root included. */
    int tablePageCount() {
        return tablePages.count();
    }

    void free() {
        tablePages.freeAll();
    }
}
