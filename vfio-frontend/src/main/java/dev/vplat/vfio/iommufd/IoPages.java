package dev.vplat.vfio.iommufd;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.PageSlots;
import dev.vplat.vfio.kernel.Process;


/**
 * The user memory one MAP refers to (pages.c struct iopt_pages): a page-aligned user range,
 * shared by every area COPY makes from it. A page is pinned once, however many domains, areas
 * and in-kernel accesses need it: each need adds a user to the page, the first user pins it
 * (charging RLIMIT_MEMLOCK first, ENOMEM when over), the last one unpins and uncharges.
 */
final class IoPages {
    static final long PAGE_SIZE = 4096;

    private final Process process;
    private final long uptr;
    private final boolean writable;
    private final AccountMode accountMode;
    /** Pinned page index → value = its gpa, count = its users (the iopt_pages xarray of pfns). */
    private final PageSlots pinned = new PageSlots();
    private int areaRefs;

    IoPages(Process process, long uptr, boolean writable, AccountMode accountMode) {
        this.process = process;
        this.uptr = uptr;
        this.writable = writable;
        this.accountMode = process.privileged() ? AccountMode.NONE : accountMode;
    }

    long uptr() {
        return uptr;
    }

    boolean writable() {
        return writable;
    }

    AccountMode accountMode() {
        return accountMode;
    }

    void addAreaRef() {
        areaRefs++;
    }

    void dropAreaRef() {
        areaRefs--;
    }

    int areaRefs() {
        return areaRefs;
    }

    /** The guest-physical page backing page {@code index}, or -1 when it is not pinned. */
    long gpa(long index) {
        int slot = pinned.find(index);
        return slot < 0 ? -1 : pinned.value(slot);
    }

    /**
     * Adds a user to pages [first, last], pinning those that had none. All or nothing: on
     * EFAULT (page not mapped, or read-only for a writable pages object) or ENOMEM (memlock)
     * nothing changes.
     */
    void addUsers(long first, long last) {
        long fresh = 0;
        for (long i = first; i <= last; i++) {
            if (pinned.find(i) < 0) {
                fresh++;
            }
        }
        charge(fresh);
        if (fresh > 0) {
            try {
                pinMissing(first, last);
            } catch (ErrnoException e) {
                unpinUnused(first, last);
                uncharge(fresh);
                throw e;
            }
        }
        for (long i = first; i <= last; i++) {
            pinned.addCount(pinned.find(i), 1);
        }
    }

    /** Pins each run of pages in [first, last] that is not pinned yet, one user-memory pin per run. */
    private void pinMissing(long first, long last) {
        long runStart = -1;
        for (long i = first; i <= last + 1; i++) {
            boolean need = i <= last && pinned.find(i) < 0;
            if (need && runStart < 0) {
                runStart = i;
            } else if (!need && runStart >= 0) {
                pinRun(runStart, i - 1);
                runStart = -1;
            }
        }
    }

    /** Undoes {@link #pinMissing} after a failure: the pages pinned but given no user yet. */
    private void unpinUnused(long first, long last) {
        for (long i = first; i <= last; i++) {
            int slot = pinned.find(i);
            if (slot >= 0 && pinned.count(slot) == 0) {
                long gpa = pinned.value(slot);
                pinned.remove(slot);
                process.memory().unpin(gpa);
            }
        }
    }

    /** Drops one user from pages [first, last], unpinning the pages left without users. */
    void removeUsers(long first, long last) {
        long freed = 0;
        for (long i = first; i <= last; i++) {
            int slot = pinned.find(i);
            if (slot < 0) {
                throw new IllegalStateException("page " + i + " has no users");
            }
            if (pinned.addCount(slot, -1) == 0) {
                long gpa = pinned.value(slot);
                pinned.remove(slot);
                process.memory().unpin(gpa);
                freed++;
            }
        }
        uncharge(freed);
    }

    /**
     * Copies between the pages and {@code buf} at byte {@code offset} of this object, through
     * the pinned frame where a page is pinned and through the user address space otherwise
     * (iopt_pages_rw_access).
     */
    void rw(GuestMemory memory, long offset, byte[] buf, int bufOff, int length, boolean write) {
        while (length > 0) {
            long index = offset / PAGE_SIZE;
            int inPage = (int) (offset % PAGE_SIZE);
            int chunk = (int) Math.min(length, PAGE_SIZE - inPage);
            long gpa = gpa(index);
            if (gpa != -1) {
                if (write) {
                    memory.write(gpa + inPage, buf, bufOff, chunk);
                } else {
                    memory.read(gpa + inPage, buf, bufOff, chunk);
                }
            } else if (write) {
                process.memory().write(uptr + offset, buf, bufOff, chunk);
            } else {
                process.memory().read(uptr + offset, buf, bufOff, chunk);
            }
            offset += chunk;
            bufOff += chunk;
            length -= chunk;
        }
    }

    private void pinRun(long first, long last) {
        long[] gpas = process.memory().pin(uptr + first * PAGE_SIZE, (last - first + 1) * PAGE_SIZE, writable);
        for (int k = 0; k < gpas.length; k++) {
            pinned.setValue(pinned.add(first + k), gpas[k]);
        }
    }

    private void charge(long pages) {
        if (accountMode != AccountMode.NONE && pages > 0) {
            try {
                process.chargeLocked(pages);
            } catch (ErrnoException e) {
                throw new ErrnoException(Errno.ENOMEM, "iommufd pin: " + e.getMessage());
            }
        }
    }

    private void uncharge(long pages) {
        if (accountMode != AccountMode.NONE && pages > 0) {
            process.unchargeLocked(pages);
        }
    }
}
