package dev.vplat.guest.drivers;

import dev.vplat.guest.client.VplatClient;

import static dev.vplat.guest.drivers.VtdRegs.SL_ADDR_MASK;
import static dev.vplat.guest.drivers.VtdRegs.SL_READ;
import static dev.vplat.guest.drivers.VtdRegs.SL_WRITE;

/**
 * A VT-d second-level page table built in guest memory (VT-d §9.8, §3.7): 4 KiB leaves, 3 or 4
 * levels, intermediate tables allocated on demand and given R|W so the leaf alone decides
 * permissions (as Linux's {@code pfn_to_dma_pte} does). It only edits memory: invalidating the
 * IOTLB after a change is the caller's job, which is exactly what the staleness tests leave out.
 */
public final class SecondLevelTable {
    private static final int ENTRIES = 512;

    private final VplatClient guest;
    private final GuestPageAllocator pages;
    private final int levels;
    private final long root;

    public SecondLevelTable(VplatClient guest, GuestPageAllocator pages, int levels) {
        if (levels != 3 && levels != 4) {
            throw new IllegalArgumentException("second-level tables have 3 or 4 levels here, not " + levels);
        }
        this.guest = guest;
        this.pages = pages;
        this.levels = levels;
        this.root = pages.allocPage();
    }

    /** Guest-physical address of the top-level table (the context entry's SLPTPTR). */
    public long root() {
        return root;
    }

    public int levels() {
        return levels;
    }

    /** Address width the table covers: 39 or 48 bits. */
    public int addressWidth() {
        return 12 + 9 * levels;
    }

    /**
     * Maps {@code [iova, iova+size)} to {@code [gpa, …)} in 4 KiB pages with the given permissions.
     * Refuses to overwrite a present leaf, as Linux's __domain_mapping does.
     */
    public void map(long iova, long gpa, long size, boolean read, boolean write) {
        checkRange(iova, size);
        long perm = (read ? SL_READ : 0) | (write ? SL_WRITE : 0);
        for (long off = 0; off < size; off += GuestPageAllocator.PAGE_SIZE) {
            long slot = leafSlot(iova + off, true);
            if ((guest.readq(slot) & (SL_READ | SL_WRITE)) != 0) {
                throw new IllegalStateException("IOVA 0x" + Long.toHexString(iova + off)
                        + " is already mapped; unmap it first (a live leaf changed in place would need an invalidation)");
            }
            guest.writeq(slot, ((gpa + off) & SL_ADDR_MASK) | perm);
        }
    }

    /** Clears the leaves of {@code [iova, iova+size)}; tables stay allocated. */
    public void unmap(long iova, long size) {
        checkRange(iova, size);
        for (long off = 0; off < size; off += GuestPageAllocator.PAGE_SIZE) {
            long slot = leafSlot(iova + off, false);
            if (slot != 0) {
                guest.writeq(slot, 0);
            }
        }
    }

    /** The leaf entry for {@code iova}, 0 if no table covers it. */
    public long leaf(long iova) {
        long slot = leafSlot(iova, false);
        return slot == 0 ? 0 : guest.readq(slot);
    }

    /** Address of the level-1 entry for {@code iova}; 0 when a table is missing and {@code create} is false. */
    private long leafSlot(long iova, boolean create) {
        long table = root;
        for (int level = levels; level > 1; level--) {
            long slot = table + 8L * index(iova, level);
            long entry = guest.readq(slot);
            if ((entry & (SL_READ | SL_WRITE)) == 0) {
                if (!create) {
                    return 0;
                }
                long next = pages.allocPage();
                entry = next | SL_READ | SL_WRITE;
                guest.writeq(slot, entry);
            }
            table = entry & SL_ADDR_MASK;
        }
        return table + 8L * index(iova, 1);
    }

    private static int index(long iova, int level) {
        return (int) (iova >>> (12 + 9 * (level - 1))) & (ENTRIES - 1);
    }

    private void checkRange(long iova, long size) {
        if (((iova | size) & (GuestPageAllocator.PAGE_SIZE - 1)) != 0 || size <= 0
                || (iova + size - 1) >>> addressWidth() != 0) {
            throw new IllegalArgumentException("IOVA range 0x" + Long.toHexString(iova) + "+0x"
                    + Long.toHexString(size) + " is not page aligned or exceeds " + addressWidth() + " bits");
        }
    }
}
