package dev.vplat.vfio.iommufd;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.Process;

import java.util.HashMap;
import java.util.Map;

/**
 * The user memory one MAP refers to (pages.c struct iopt_pages): a page-aligned user range,
 * shared by every area COPY makes from it. A page is pinned once, however many domains, areas
 * and in-kernel accesses need it: each need adds a user to the page, the first user pins it
 * (charging RLIMIT_MEMLOCK first, ENOMEM when over), the last one unpins and uncharges.
 */
final class IoPages {
    static final long PAGE_SIZE = 4096;

    private static final class Pinned {
        final long gpa;
        int users;

        Pinned(long gpa) {
            this.gpa = gpa;
        }
    }

    private final Process process;
    private final long uptr;
    private final boolean writable;
    private final AccountMode accountMode;
    private final Map<Long, Pinned> pinned = new HashMap<>();
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
        Pinned p = pinned.get(index);
        return p == null ? -1 : p.gpa;
    }

    /**
     * Adds a user to pages [first, last], pinning those that had none. All or nothing: on
     * EFAULT (page not mapped, or read-only for a writable pages object) or ENOMEM (memlock)
     * nothing changes.
     */
    void addUsers(long first, long last) {
        long fresh = 0;
        for (long i = first; i <= last; i++) {
            if (!pinned.containsKey(i)) {
                fresh++;
            }
        }
        charge(fresh);
        long runStart = -1;
        try {
            for (long i = first; i <= last + 1; i++) {
                boolean need = i <= last && !pinned.containsKey(i);
                if (need && runStart < 0) {
                    runStart = i;
                } else if (!need && runStart >= 0) {
                    pinRun(runStart, i - 1);
                    runStart = -1;
                }
            }
        } catch (ErrnoException e) {
            for (long i = first; i <= last; i++) {
                Pinned p = pinned.get(i);
                if (p != null && p.users == 0) {
                    pinned.remove(i);
                    process.memory().unpin(new long[] {p.gpa});
                }
            }
            uncharge(fresh);
            throw e;
        }
        for (long i = first; i <= last; i++) {
            pinned.get(i).users++;
        }
    }

    /** Drops one user from pages [first, last], unpinning the pages left without users. */
    void removeUsers(long first, long last) {
        long freed = 0;
        for (long i = first; i <= last; i++) {
            Pinned p = pinned.get(i);
            if (p == null) {
                throw new IllegalStateException("page " + i + " has no users");
            }
            if (--p.users == 0) {
                pinned.remove(i);
                process.memory().unpin(new long[] {p.gpa});
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
            Pinned p = pinned.get(index);
            if (p != null) {
                if (write) {
                    memory.write(p.gpa + inPage, buf, bufOff, chunk);
                } else {
                    memory.read(p.gpa + inPage, buf, bufOff, chunk);
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
            pinned.put(first + k, new Pinned(gpas[k]));
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
