package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.HostPageAllocator;

/**
 * A VMSAv8-64 translation table with the 4 KiB granule in host pool pages (Arm ARM D8.3, fact
 * sheet §B.10), written as Linux's io-pgtable-arm writes it: levels 0–3 of 512 eight-byte
 * descriptors, 1 GiB blocks at level 1, 2 MiB blocks at level 2, pages at level 3. Table
 * descriptors are type 0b11 with no attributes. Leaves get AF and inner-shareable; stage 1
 * leaves are non-global, unprivileged-accessible (AP[1]) and read-only without write permission
 * (AP[2]), with the write-back MAIR index; stage 2 leaves carry S2AP read/write and the
 * write-back MemAttr.
 */
final class LpaeTable {
    enum Format { STAGE1, STAGE2 }

    /** Where a walk ended: the descriptor read, the level, and the descriptor's address. */
    record Walk(long descriptor, int level, long slot) {
        boolean leaf() {
            return (descriptor & 1) != 0 && (level == 3 || (descriptor & 2) == 0);
        }

        long size() {
            return blockSize(level);
        }
    }

    static final long ADDR_MASK = 0x0000_FFFF_FFFF_F000L;
    private static final long VALID = 1, TABLE = 3, PAGE = 3, BLOCK = 1;
    private static final long AF = 1L << 10, SH_IS = 3L << 8, NG = 1L << 11;
    private static final long AP_UNPRIV = 1L << 6, AP_RDONLY = 1L << 7, ATTRIDX_CACHE = 1L << 2;
    private static final long HAP_READ = 1L << 6, HAP_WRITE = 1L << 7, MEMATTR_OIWB = 0xFL << 2;

    private final GuestMemory ram;
    private final TablePages tablePages;
    private final Format format;
    private final int inputBits;
    private final int startLevel;
    private final long root;

    /** @param inputBits the IOVA (stage 1) or IPA (stage 2) size the table translates, 25..48 */
    LpaeTable(GuestMemory ram, HostPageAllocator pages, Format format, int inputBits) {
        this.ram = ram;
        this.tablePages = new TablePages(ram, pages);
        this.format = format;
        this.inputBits = inputBits;
        this.startLevel = 4 - (inputBits - 12 + 8) / 9;
        this.root = tablePages.allocate();
    }

    static long blockSize(int level) {
        return 1L << shift(level);
    }

    private static int shift(int level) {
        return 12 + 9 * (3 - level);
    }

    long root() {
        return root;
    }

    int inputBits() {
        return inputBits;
    }

    int startLevel() {
        return startLevel;
    }

    int tablePageCount() {
        return tablePages.count();
    }

    private long slot(long table, long iova, int level) {
        int bits = level == startLevel ? inputBits - shift(level) : 9;
        return table + ((iova >>> shift(level)) & ((1L << bits) - 1)) * 8;
    }

    /** The descriptor bits a leaf with {@code prot} (PagingDomain.PROT_*) gets (arm_lpae_prot_to_pte). */
    long leafAttributes(int prot) {
        if (format == Format.STAGE1) {
            long pte = NG | AP_UNPRIV | ATTRIDX_CACHE;
            if ((prot & PagingDomain.PROT_WRITE) == 0) {
                pte |= AP_RDONLY;
            }
            return pte | AF | SH_IS;
        }
        long pte = MEMATTR_OIWB;
        pte |= (prot & PagingDomain.PROT_READ) != 0 ? HAP_READ : 0;
        pte |= (prot & PagingDomain.PROT_WRITE) != 0 ? HAP_WRITE : 0;
        return pte | AF | SH_IS;
    }

    /** Writes a leaf of {@link #blockSize(int) blockSize(level)} at {@code iova}, creating tables above it. */
    void map(long iova, long pa, int level, int prot) {
        long table = root;
        for (int l = startLevel; l < level; l++) {
            long s = slot(table, iova, l);
            long d = ram.readRam(s, 8);
            if ((d & 3) != TABLE) {
                long next = tablePages.allocate();
                d = next | TABLE;
                ram.writeRam(s, 8, d);
            }
            table = d & ADDR_MASK;
        }
        ram.writeRam(slot(table, iova, level), 8, (pa & ADDR_MASK) | leafAttributes(prot) | (level == 3 ? PAGE : BLOCK));
    }

    /** Walks to the leaf for {@code iova}, or to the invalid descriptor that ends the walk. */
    Walk walk(long iova) {
        long table = root;
        for (int l = startLevel; ; l++) {
            long s = slot(table, iova, l);
            long d = ram.readRam(s, 8);
            if ((d & VALID) == 0 || l == 3 || (d & 2) == 0) {
                return new Walk(d, l, s);
            }
            table = d & ADDR_MASK;
        }
    }

    /** Clears the leaf a walk found. */
    void clear(Walk w) {
        ram.writeRam(w.slot(), 8, 0);
    }

    /** Whether any leaf maps part of [iova, iova+length). */
    boolean anyMapped(long iova, long length) {
        long end = iova + length;
        long at = iova;
        while (Long.compareUnsigned(at, end) < 0) {
            Walk w = walk(at);
            if (w.leaf()) {
                return true;
            }
            at = (at | (w.size() - 1)) + 1;
            if (at == 0) {
                return false;
            }
        }
        return false;
    }

    /** The address {@code iova} translates to, or -1 (iova_to_phys). */
    long lookup(long iova) {
        Walk w = walk(iova);
        if (!w.leaf()) {
            return -1;
        }
        return (w.descriptor() & ADDR_MASK & -w.size()) | (iova & (w.size() - 1));
    }

    void free() {
        tablePages.freeAll();
    }
}
