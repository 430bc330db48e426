package dev.vplat.guest.drivers;

import dev.vplat.guest.client.VplatClient;

/**
 * A VMSAv8-64 stage 1 translation table with the 4 KiB granule built in guest memory (Arm ARM
 * D8.3; the layout io-pgtable-arm produces for the SMMU): a 48-bit input range walked from level
 * 0, table descriptors {@code next | 0b11}, level 3 page descriptors with AF, inner-shareable,
 * nG, AttrIndx 1 (write-back in {@link SmmuV3Regs#MAIR}), AP[1] (unprivileged access, which is
 * what PCIe DMA without a PASID privilege bit is) and AP[2] for read-only pages. Stage 1 has no
 * write-only permission. It only edits memory: invalidating the SMMU's TLB after a change is the
 * caller's job, which is exactly what the staleness tests leave out.
 */
public final class Stage1Table {
    public static final int INPUT_BITS = 48;
    private static final int ENTRIES = 512;
    private static final long VALID = 1, TABLE = 1L << 1, PAGE = 1L << 1;
    private static final long ATTR_INDX_WB = 1L << 2, AP_UNPRIV = 1L << 6, AP_RDONLY = 1L << 7;
    private static final long SH_INNER = 3L << 8, AF = 1L << 10, NG = 1L << 11;
    private static final long ADDR_MASK = 0x0000_FFFF_FFFF_F000L;

    private final VplatClient guest;
    private final GuestPageAllocator pages;
    private final long root;

    public Stage1Table(VplatClient guest, GuestPageAllocator pages) {
        this.guest = guest;
        this.pages = pages;
        this.root = pages.allocPage();
    }

    /** Guest-physical address of the level 0 table (the CD's TTB0). */
    public long root() {
        return root;
    }

    /**
     * Maps {@code [iova, iova+size)} to {@code [pa, …)} in 4 KiB pages, readable and, if
     * {@code write}, writable. Refuses to overwrite a valid page, as io-pgtable-arm does.
     */
    public void map(long iova, long pa, long size, boolean write) {
        checkRange(iova, size);
        for (long off = 0; off < size; off += GuestPageAllocator.PAGE_SIZE) {
            long slot = leafSlot(iova + off, true);
            if ((guest.readq(slot) & VALID) != 0) {
                throw new IllegalStateException("IOVA 0x" + Long.toHexString(iova + off)
                        + " is already mapped; unmap it first (a live page changed in place needs break-before-make)");
            }
            guest.writeq(slot, pageDescriptor(pa + off, write));
        }
    }

    /** Clears the pages of {@code [iova, iova+size)}; tables stay allocated. */
    public void unmap(long iova, long size) {
        checkRange(iova, size);
        for (long off = 0; off < size; off += GuestPageAllocator.PAGE_SIZE) {
            long slot = leafSlot(iova + off, false);
            if (slot != 0) {
                guest.writeq(slot, 0);
            }
        }
    }

    /** The level 3 descriptor for {@code iova}, 0 if no table covers it. */
    public long leaf(long iova) {
        long slot = leafSlot(iova, false);
        return slot == 0 ? 0 : guest.readq(slot);
    }

    static long pageDescriptor(long pa, boolean write) {
        return (pa & ADDR_MASK) | VALID | PAGE | ATTR_INDX_WB | AP_UNPRIV | (write ? 0 : AP_RDONLY) | SH_INNER | AF | NG;
    }

    /** Address of the level 3 entry for {@code iova}; 0 when a table is missing and {@code create} is false. */
    private long leafSlot(long iova, boolean create) {
        long table = root;
        for (int level = 0; level < 3; level++) {
            long slot = table + 8L * index(iova, level);
            long entry = guest.readq(slot);
            if ((entry & VALID) == 0) {
                if (!create) {
                    return 0;
                }
                entry = pages.allocPage() | VALID | TABLE;
                guest.writeq(slot, entry);
            }
            table = entry & ADDR_MASK;
        }
        return table + 8L * index(iova, 3);
    }

    /** Index bits of {@code level} (4 KiB granule: level shift 12 + 9·(3 − level)). */
    private static int index(long iova, int level) {
        return (int) (iova >>> (12 + 9 * (3 - level))) & (ENTRIES - 1);
    }

    private static void checkRange(long iova, long size) {
        if (((iova | size) & (GuestPageAllocator.PAGE_SIZE - 1)) != 0 || size <= 0
                || (iova + size - 1) >>> INPUT_BITS != 0) {
            throw new IllegalArgumentException("IOVA range 0x" + Long.toHexString(iova) + "+0x"
                    + Long.toHexString(size) + " is not page aligned or exceeds " + INPUT_BITS + " bits");
        }
    }
}
