package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * An in-kernel user of an IOAS (device.c struct iommufd_access): emulated and mediated devices
 * that read, write or pin IOAS memory from the CPU instead of through an IOMMU. Pins add users
 * to the pages like a domain does, so they are charged and shared the same way. When user space
 * unmaps a range the access has pinned, the owner's {@link Ops#unmap} is told and must unpin.
 * The creating driver holds a user on the object (IOMMU_DESTROY is EBUSY) and ends it with
 * {@link IommufdContext#destroyAccess}.
 */
public final class IommufdAccess extends IommufdObject {
    /** struct iommufd_access_ops. */
    public interface Ops {
        /** needs_pin_pages: the access pins, so the IOAS alignment must be at least PAGE_SIZE. */
        boolean needsPinPages();

        /** The range [iova, iova+length) is being unmapped: unpin whatever is pinned in it. */
        void unmap(long iova, long length);
    }

    private record Pin(long iova, long length) { }

    private final Ops ops;
    private Ioas ioas;
    private final List<Pin> pins = new ArrayList<>();

    IommufdAccess(IommufdContext ctx, Ops ops) {
        super(Type.ACCESS, ctx);
        this.ops = ops;
    }

    public Ops ops() {
        return ops;
    }

    public IommufdContext context() {
        return ctx;
    }

    public Ioas ioas() {
        return ioas;
    }

    long iovaAlignment() {
        return ops.needsPinPages() ? IoPages.PAGE_SIZE : 1;
    }

    /** iommufd_access_attach: EINVAL if already attached, ENOENT for a bad IOAS id, EADDRINUSE for misaligned areas. */
    public void attach(int ioasId) {
        if (ioas != null) {
            throw fail(Errno.EINVAL, "access already attached");
        }
        Ioas target = ctx.get(ioasId, Ioas.class);
        target.iopt().addAccess(this);
        target.users++;
        ioas = target;
    }

    /** iommufd_access_replace: moves to another IOAS; pins must have been dropped. */
    public void replace(int ioasId) {
        if (ioas == null) {
            throw fail(Errno.ENOENT, "access not attached");
        }
        Ioas target = ctx.get(ioasId, Ioas.class);
        if (target == ioas) {
            return;
        }
        target.iopt().addAccess(this);
        target.users++;
        detachIoas();
        ioas = target;
    }

    private void detachIoas() {
        ioas.iopt().removeAccess(this);
        ioas.users--;
        ioas = null;
    }

    /**
     * iommufd_access_pin_pages: pins [iova, iova+length) and returns the guest-physical
     * address of every PAGE_SIZE page it touches. The range must be covered by contiguous
     * areas (ENOENT), joined at page boundaries (EINVAL); a write pin of read-only memory is
     * EPERM; pin failures are EFAULT/ENOMEM. All or nothing.
     */
    public long[] pinPages(long iova, long length, boolean write) {
        if (!ops.needsPinPages()) {
            throw fail(Errno.EINVAL, "access was created without needs_pin_pages");
        }
        IoPagetable iopt = checkedIopt(iova, length);
        long last = iova + length - 1;
        List<Area> run = coveringRun(iopt, iova, last, write, true);
        List<long[]> done = new ArrayList<>();
        try {
            long cur = iova;
            for (Area a : run) {
                long to = U64.min(last, a.last());
                long first = a.startByteAt(cur) / IoPages.PAGE_SIZE;
                long lastPage = a.startByteAt(to) / IoPages.PAGE_SIZE;
                a.pages.addUsers(first, lastPage);
                done.add(new long[] {first, lastPage});
                a.numAccesses++;
                cur = to + 1;
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < done.size(); i++) {
                run.get(i).pages.removeUsers(done.get(i)[0], done.get(i)[1]);
                run.get(i).numAccesses--;
            }
            throw e;
        }
        List<Long> gpas = new ArrayList<>();
        long cur = iova;
        for (Area a : run) {
            long to = U64.min(last, a.last());
            for (long p = a.startByteAt(cur) / IoPages.PAGE_SIZE; p <= a.startByteAt(to) / IoPages.PAGE_SIZE; p++) {
                gpas.add(a.pages.gpa(p));
            }
            cur = to + 1;
        }
        pins.add(new Pin(iova, length));
        return gpas.stream().mapToLong(Long::longValue).toArray();
    }

    /** iommufd_access_unpin_pages: undoes one {@link #pinPages} of exactly this range. */
    public void unpinPages(long iova, long length) {
        if (!pins.remove(new Pin(iova, length))) {
            throw new IllegalStateException(String.format("no pin of [0x%x, +0x%x)", iova, length));
        }
        long last = iova + length - 1;
        long cur = iova;
        for (Area a : ioas.iopt().contiguous(iova, last)) {
            long to = U64.min(last, a.last());
            a.pages.removeUsers(a.startByteAt(cur) / IoPages.PAGE_SIZE, a.startByteAt(to) / IoPages.PAGE_SIZE);
            a.numAccesses--;
            cur = to + 1;
        }
    }

    /**
     * iommufd_access_rw: copies between {@code data} and IOAS memory at {@code iova}, through
     * pinned frames or the owner's address space. ENOENT if not fully mapped, EPERM for a write
     * to read-only memory, EFAULT if the user memory is gone.
     */
    public void rw(long iova, byte[] data, boolean write) {
        IoPagetable iopt = checkedIopt(iova, data.length);
        long last = iova + data.length - 1;
        List<Area> run = coveringRun(iopt, iova, last, write, false);
        long cur = iova;
        int off = 0;
        for (Area a : run) {
            long to = U64.min(last, a.last());
            int n = (int) (to - cur + 1);
            a.pages.rw(ctx.memory(), a.startByteAt(cur), data, off, n, write);
            off += n;
            cur = to + 1;
        }
    }

    private IoPagetable checkedIopt(long iova, long length) {
        if (length == 0) {
            throw fail(Errno.EINVAL, "zero length");
        }
        if (U64.addOverflows(iova, length - 1)) {
            throw fail(Errno.EOVERFLOW, "IOVA range wraps");
        }
        if (ioas == null) {
            throw fail(Errno.ENOENT, "access not attached to an IOAS");
        }
        return ioas.iopt();
    }

    /**
     * The areas over [iova, last] with the per-area checks, in the kernel's order; pins also
     * need each later area to start on a page boundary of its pages (iopt_area_contig_is_aligned).
     */
    private static List<Area> coveringRun(IoPagetable iopt, long iova, long last, boolean write, boolean pin) {
        List<Area> run = new ArrayList<>();
        Area a = iopt.areaAt(iova);
        while (a != null) {
            if (write && !a.pages.writable()) {
                throw fail(Errno.EPERM, "write access to a read-only mapping");
            }
            if (pin && !run.isEmpty() && a.pageOffset() != 0) {
                throw fail(Errno.EINVAL, "areas do not join at a page boundary");
            }
            run.add(a);
            if (U64.le(last, a.last())) {
                return run;
            }
            a = iopt.areaAt(a.last() + 1);
        }
        throw fail(Errno.ENOENT, "IOVA range is not fully mapped");
    }

    void notifyUnmap(long iova, long length) {
        ops.unmap(iova, length);
    }

    /** iommufd_access_destroy_object: drops leftover pins and leaves the IOAS. */
    @Override
    protected void destroy() {
        for (Pin p : List.copyOf(pins)) {
            unpinPages(p.iova(), p.length());
        }
        if (ioas != null) {
            detachIoas();
        }
    }
}
