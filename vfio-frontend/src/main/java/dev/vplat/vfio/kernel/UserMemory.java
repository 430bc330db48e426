package dev.vplat.vfio.kernel;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.util.Map;
import java.util.TreeMap;

/**
 * A session's user virtual address space: anonymous mappings backed by host pool pages that are
 * allocated on first touch, like a process's anonymous memory. Pinning (what iommufd and VFIO do
 * before a device may DMA to user memory) takes a reference on each page frame, so a pinned page
 * outlives its mapping until it is unpinned, as in Linux. Accesses that hit an unmapped byte fail
 * with EFAULT, the way copy_from_user/copy_to_user do.
 */
public final class UserMemory {
    public static final long PAGE_SIZE = 4096;
    private static final long BASE = 0x7f00_0000_0000L;
    private static final long LIMIT = 0x7fff_ffff_f000L;
    private static final long ORPHANED = 1;

    /** A mapping; {@code prot} bit 0 = read, bit 1 = write, as in the MMAP op. */
    public record Vma(long start, long end, int prot) {
        public boolean writable() {
            return (prot & 2) != 0;
        }
    }

    private final GuestMemory memory;
    private final HostPageAllocator pages;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    /** Mapped page (uva) → its frame's gpa; only touched pages have one. */
    private final PageSlots frames = new PageSlots();
    /**
     * Pinned frame (gpa) → count = pins, value = {@link #ORPHANED} once its mapping is gone, so
     * that the last unpin frees it (the mapping's reference and the pins' are what refcount holds).
     */
    private final PageSlots pins = new PageSlots();
    /** The mapping the last access hit: user accesses cluster, so most skip the tree lookup. */
    private Vma lastVma;
    private long pinnedPages;

    public UserMemory(GuestMemory memory, HostPageAllocator pages) {
        this.memory = memory;
        this.pages = pages;
    }

    /** Maps anonymous memory; {@code align} 0 means page alignment. Returns the user address. */
    public long mmap(long length, int prot, long align) {
        if (length <= 0 || (prot & ~3) != 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap: bad length or prot");
        }
        long a = align == 0 ? PAGE_SIZE : align;
        if (a < PAGE_SIZE || Long.bitCount(a) != 1) {
            throw new ErrnoException(Errno.EINVAL, "mmap: alignment must be 0 or a power of two >= 4096");
        }
        long len = roundUp(length);
        long candidate = roundUp(BASE, a);
        for (Vma v : vmas.values()) {
            if (candidate + len <= v.start()) {
                break;
            }
            candidate = Math.max(candidate, roundUp(v.end(), a));
        }
        if (candidate + len > LIMIT || candidate + len < candidate) {
            throw new ErrnoException(Errno.ENOMEM, "mmap: user address space exhausted");
        }
        vmas.put(candidate, new Vma(candidate, candidate + len, prot));
        return candidate;
    }

    /**
     * Unmaps [addr, addr+length); partial unmapping splits mappings, like munmap(2). A range that
     * leaves the address space is EINVAL, as {@code len > TASK_SIZE - start} is in do_vmi_munmap.
     */
    public void munmap(long addr, long length) {
        if ((addr & (PAGE_SIZE - 1)) != 0 || length <= 0) {
            throw new ErrnoException(Errno.EINVAL, "munmap: address must be page aligned and length positive");
        }
        if (addr < 0 || length > LIMIT - addr) {
            throw new ErrnoException(Errno.EINVAL, "munmap: range leaves the user address space");
        }
        long end = addr + roundUp(length);
        for (Vma v : vmas.subMap(vmas.floorKey(addr) == null ? addr : vmas.floorKey(addr), true, end, false)
                .values().toArray(new Vma[0])) {
            if (v.end() <= addr || v.start() >= end) {
                continue;
            }
            vmas.remove(v.start());
            lastVma = null;
            if (v.start() < addr) {
                vmas.put(v.start(), new Vma(v.start(), addr, v.prot()));
            }
            if (v.end() > end) {
                vmas.put(end, new Vma(end, v.end(), v.prot()));
            }
            for (long p = Math.max(v.start(), addr); p < Math.min(v.end(), end); p += PAGE_SIZE) {
                int slot = frames.find(p);
                if (slot >= 0) {
                    long gpa = frames.value(slot);
                    frames.remove(slot);
                    dropMapping(gpa);
                }
            }
        }
    }

    public Vma vmaAt(long addr) {
        Vma last = lastVma;
        if (last != null && addr >= last.start() && addr < last.end()) {
            return last;
        }
        Map.Entry<Long, Vma> e = vmas.floorEntry(addr);
        Vma v = e != null && addr < e.getValue().end() ? e.getValue() : null;
        if (v != null) {
            lastVma = v;
        }
        return v;
    }

    public void read(long uva, byte[] dst, int offset, int length) {
        checkAccess(uva, length, false);
        while (length > 0) {
            int chunk = (int) Math.min(length, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
            int slot = frames.find(uva & -PAGE_SIZE);
            if (slot < 0) {
                java.util.Arrays.fill(dst, offset, offset + chunk, (byte) 0);
            } else {
                memory.read(frames.value(slot) + (uva & (PAGE_SIZE - 1)), dst, offset, chunk);
            }
            uva += chunk;
            offset += chunk;
            length -= chunk;
        }
    }

    public byte[] read(long uva, int length) {
        byte[] b = new byte[length];
        read(uva, b, 0, length);
        return b;
    }

    public void write(long uva, byte[] src, int offset, int length) {
        checkAccess(uva, length, true);
        while (length > 0) {
            int chunk = (int) Math.min(length, PAGE_SIZE - (uva & (PAGE_SIZE - 1)));
            memory.write(frameFor(uva & -PAGE_SIZE) + (uva & (PAGE_SIZE - 1)), src, offset, chunk);
            uva += chunk;
            offset += chunk;
            length -= chunk;
        }
    }

    public void write(long uva, byte[] src) {
        write(uva, src, 0, src.length);
    }

    /**
     * Pins the pages of [uva, uva+length) and returns their guest-physical addresses, one per
     * page. Fails with EFAULT, pinning nothing, if any page is unmapped or, for {@code writable},
     * not writable; with ENOMEM, pinning nothing, when the host pool cannot back an untouched
     * page (the pages faulted in before that stay mapped, as after a failed get_user_pages), or
     * at once when the range has more pages than the whole pool.
     */
    public long[] pin(long uva, long length, boolean writable) {
        long start = uva & -PAGE_SIZE;
        long end = roundUp(uva + length);
        checkAccess(start, end - start, writable);
        FailNth.point(FaultPoint.USER_PIN);
        if ((end - start) / PAGE_SIZE > pages.size() / PAGE_SIZE) {
            throw new ErrnoException(Errno.ENOMEM, "pin of " + (end - start) / PAGE_SIZE
                    + " pages: more than the host page pool holds");
        }
        int n = (int) ((end - start) / PAGE_SIZE);
        // Every page gets its backing before any is pinned, so a failed allocation pins nothing.
        long[] gpas = new long[n];
        for (int i = 0; i < n; i++) {
            gpas[i] = frameFor(start + i * PAGE_SIZE);
        }
        for (long gpa : gpas) {
            pins.addCount(pins.add(gpa), 1);
        }
        pinnedPages += n;
        return gpas;
    }

    /** Drops one pin per page frame; frames whose mapping is gone are freed on their last pin. */
    public void unpin(long[] gpas) {
        for (long gpa : gpas) {
            unpin(gpa);
        }
    }

    /** Drops one pin of the frame at {@code gpa}, freeing it on its last pin if its mapping is gone. */
    public void unpin(long gpa) {
        int slot = pins.find(gpa);
        if (slot < 0) {
            throw new IllegalStateException("unpin of a page that is not pinned: 0x" + Long.toHexString(gpa));
        }
        pinnedPages--;
        if (pins.addCount(slot, -1) == 0) {
            boolean orphaned = pins.value(slot) == ORPHANED;
            pins.remove(slot);
            if (orphaned) {
                pages.free(gpa);
            }
        }
    }

    public long pinnedPages() {
        return pinnedPages;
    }

    /**
     * How many pins the page frame now mapped at {@code uva} carries (0 when unmapped or never
     * touched); what the iommufd selftest's MD_CHECK_REFS reads as page_ref_count / GUP_PIN_COUNTING_BIAS.
     */
    public int pinCount(long uva) {
        int slot = frames.find(uva & -PAGE_SIZE);
        int pinned = slot < 0 ? -1 : pins.find(frames.value(slot));
        return pinned < 0 ? 0 : pins.count(pinned);
    }

    /** Bytes currently mapped. */
    public long mappedBytes() {
        long total = 0;
        for (Vma v : vmas.values()) {
            total += v.end() - v.start();
        }
        return total;
    }

    /** Process exit: every mapping goes; pages still pinned stay until their pins are dropped. */
    public void unmapAll() {
        frames.forEach((uva, gpa, unused) -> dropMapping(gpa));
        frames.clear();
        vmas.clear();
        lastVma = null;
    }

    /** The gpa of the frame behind {@code page}, allocating and zeroing one on first touch. */
    private long frameFor(long page) {
        int slot = frames.find(page);
        if (slot >= 0) {
            return frames.value(slot);
        }
        long gpa = pages.allocate();
        memory.write(gpa, new byte[(int) PAGE_SIZE], 0, (int) PAGE_SIZE);
        frames.setValue(frames.add(page), gpa);
        return gpa;
    }

    /** The mapping of a frame is gone: free it now, or at its last unpin if it is pinned. */
    private void dropMapping(long gpa) {
        int slot = pins.find(gpa);
        if (slot >= 0) {
            pins.setValue(slot, ORPHANED);
        } else {
            pages.free(gpa);
        }
    }

    private void checkAccess(long uva, long length, boolean write) {
        if (length < 0 || uva + length < uva) {
            throw new ErrnoException(Errno.EFAULT, "bad user range");
        }
        long p = uva;
        long end = uva + length;
        while (p < end) {
            Vma v = vmaAt(p);
            if (v == null) {
                throw new ErrnoException(Errno.EFAULT, String.format("user address 0x%x is not mapped", p));
            }
            if (write && !v.writable()) {
                throw new ErrnoException(Errno.EFAULT, String.format("user address 0x%x is not writable", p));
            }
            p = v.end();
        }
    }

    private static long roundUp(long v) {
        return roundUp(v, PAGE_SIZE);
    }

    private static long roundUp(long v, long a) {
        return (v + a - 1) & -a;
    }
}
