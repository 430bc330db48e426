package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.hostiommu.IommufdMockBus;
import dev.vplat.vfio.hostiommu.MockIommuDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.kernel.UserMemory;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.AccessPages;
import dev.vplat.vfio.uapi.IommufdTestStructs.AccessRw;
import dev.vplat.vfio.uapi.IommufdTestStructs.AddReserved;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckMap;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckRefs;
import dev.vplat.vfio.uapi.IommufdTestStructs.CreateAccess;
import dev.vplat.vfio.uapi.IommufdTestStructs.DestroyAccessPages;
import dev.vplat.vfio.uapi.IommufdTestStructs.Dirty;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.IommufdTestStructs.MemoryLimit;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomainFlags;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomainReplace;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * IOMMU_TEST_CMD (drivers/iommu/iommufd/selftest.c iommufd_test), present only while the host
 * kernel's test hooks are on, so tools/testing/selftests/iommu can be ported call for call.
 */
final class SelftestIoctls {
    private static final long PAGE = UserMemory.PAGE_SIZE;
    private static final long MOCK_PAGE = IommufdTestStructs.MOCK_IO_PAGE_SIZE;
    private static final long ACCESS_MAX = 16L << 20;

    private SelftestIoctls() {
    }

    static long execute(Ucmd<IommuTestCmd> u) {
        IommuTestCmd c = u.cmd();
        return switch (c.op()) {
            case IommufdTestStructs.OP_ADD_RESERVED -> addReserved(u, c.body(AddReserved.class));
            case IommufdTestStructs.OP_MOCK_DOMAIN -> mockDomain(u, 0, false);
            case IommufdTestStructs.OP_MOCK_DOMAIN_FLAGS -> mockDomain(u, c.body(MockDomainFlags.class).devFlags(), true);
            case IommufdTestStructs.OP_MOCK_DOMAIN_REPLACE -> mockDomainReplace(u, c.body(MockDomainReplace.class));
            case IommufdTestStructs.OP_MD_CHECK_MAP -> checkMap(u, c.body(CheckMap.class));
            case IommufdTestStructs.OP_MD_CHECK_REFS -> checkRefs(u, c.body(CheckRefs.class));
            case IommufdTestStructs.OP_CREATE_ACCESS -> createAccess(u, c.body(CreateAccess.class));
            case IommufdTestStructs.OP_ACCESS_PAGES -> accessPages(u, c.body(AccessPages.class));
            case IommufdTestStructs.OP_ACCESS_RW -> accessRw(u, c.body(AccessRw.class));
            case IommufdTestStructs.OP_DESTROY_ACCESS_PAGES -> destroyAccessPages(u, c.body(DestroyAccessPages.class));
            case IommufdTestStructs.OP_ACCESS_REPLACE_IOAS -> {
                staccess(u).access().replace(c.body(MockDomainReplace.class).ptId());
                yield 0;
            }
            case IommufdTestStructs.OP_SET_TEMP_MEMORY_LIMIT -> {
                if (c.body(MemoryLimit.class).limit() < 12) {
                    throw fail(Errno.EINVAL, "memory limit below one batch element");
                }
                yield 0;
            }
            case IommufdTestStructs.OP_DIRTY -> dirty(u, c.body(Dirty.class));
            default -> throw fail(Errno.EOPNOTSUPP, "unknown test op " + c.op());
        };
    }

    /** iommufd_test_add_reserved: a reservation with no owner, EADDRINUSE on conflict. */
    private static long addReserved(Ucmd<IommuTestCmd> u, AddReserved r) {
        Ioas ioas = u.ctx().get(u.cmd().id(), Ioas.class);
        ioas.iopt().reserve(r.start(), r.start() + r.length() - 1, null);
        return 0;
    }

    /**
     * iommufd_test_mock_domain: a selftest object, a mock device created on the mock bus (its own
     * group behind the real mock unit), bound to this iommufd through the IOMMU core like any
     * device, and attached to {@code id} (IOAS or HWPT); ids are taken in that order (stdev, idev,
     * hwpt).
     */
    private static long mockDomain(Ucmd<IommuTestCmd> u, int devFlags, boolean withFlags) {
        IommufdContext ctx = u.ctx();
        SelftestDevice sobj = new SelftestDevice(ctx, IommufdMockBus.of(ctx.iommufd().kernel()));
        ctx.add(sobj);
        try {
            sobj.mock = sobj.bus().createDevice(devFlags);
            sobj.idev = ctx.bindDevice(new IommuCoreDeviceOps(sobj.mock), false);
            int hwptId = sobj.idev.attach(u.cmd().id());
            Record body = withFlags ? new MockDomainFlags(sobj.id(), hwptId, sobj.idev.id(), devFlags)
                    : new MockDomain(sobj.id(), hwptId, sobj.idev.id());
            u.respond(u.cmd().withBody(body));
        } catch (ErrnoException e) {
            sobj.teardown();
            ctx.abort(sobj);
            throw e;
        }
        return 0;
    }

    private static long mockDomainReplace(Ucmd<IommuTestCmd> u, MockDomainReplace r) {
        SelftestDevice sobj = u.ctx().get(u.cmd().id(), SelftestDevice.class);
        int ptId = sobj.idev.replace(r.ptId());
        u.respond(u.cmd().withBody(new MockDomainReplace(ptId)));
        return 0;
    }

    /** The guest-physical frame behind a user page, faulting it in like get_user_pages_fast. */
    private static long userPageGpa(Process p, long uva) {
        long[] gpa = p.memory().pin(uva & -PAGE, PAGE, false);
        p.memory().unpin(gpa);
        return gpa[0];
    }

    /** iommufd_test_md_check_pa: every mock IO page of the range maps the frame under the user VA. */
    private static long checkMap(Ucmd<IommuTestCmd> u, CheckMap m) {
        if (m.iova() % MOCK_PAGE != 0 || m.length() % MOCK_PAGE != 0 || m.uptr() % MOCK_PAGE != 0
                || U64.addOverflows(m.uptr(), m.length())) {
            throw fail(Errno.EINVAL, "check_map range not aligned to the mock page");
        }
        HwPagetable hwpt = u.ctx().get(u.cmd().id(), HwPagetable.class);
        if (!(hwpt.domain() instanceof MockIommuDomain mock)) {
            throw fail(Errno.EINVAL, "not a mock domain");
        }
        for (long off = 0; off < m.length(); off += MOCK_PAGE) {
            long uva = m.uptr() + off;
            long expect = userPageGpa(u.process(), uva) + uva % PAGE;
            if (mock.iovaToPhys(m.iova() + off) != expect) {
                throw fail(Errno.EINVAL, "IOVA 0x" + Long.toHexString(m.iova() + off) + " does not map the user page");
            }
        }
        return 0;
    }

    /** iommufd_test_md_check_refs: each page of the range carries exactly {@code refs} pins (EIO otherwise). */
    private static long checkRefs(Ucmd<IommuTestCmd> u, CheckRefs r) {
        if (r.length() % PAGE != 0 || r.uptr() % PAGE != 0 || U64.addOverflows(r.uptr(), r.length())) {
            throw fail(Errno.EINVAL, "check_refs range not page aligned");
        }
        UserMemory mem = u.process().memory();
        for (long off = 0; off < r.length(); off += PAGE) {
            if (mem.vmaAt(r.uptr() + off) == null) {
                throw fail(Errno.EFAULT, "user page not mapped");
            }
            if (mem.pinCount(r.uptr() + off) != r.refs()) {
                throw fail(Errno.EIO, "page at 0x" + Long.toHexString(r.uptr() + off) + " has "
                        + mem.pinCount(r.uptr() + off) + " pins, expected " + r.refs());
            }
        }
        return 0;
    }

    /** iommufd_test_create_access: an access on IOAS {@code id}, returned as a new fd. */
    private static long createAccess(Ucmd<IommuTestCmd> u, CreateAccess a) {
        if ((a.flags() & ~IommufdTestStructs.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown access flags");
        }
        IommufdContext ctx = u.ctx();
        SelftestAccessFile file = new SelftestAccessFile(
                (a.flags() & IommufdTestStructs.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES) != 0);
        IommufdAccess access = ctx.createAccess(file);
        file.bind(access);
        try {
            access.attach(u.cmd().id());
        } catch (ErrnoException e) {
            ctx.destroyAccess(access);
            throw e;
        }
        int fd = u.process().install(file);
        try {
            u.respond(u.cmd().withBody(new CreateAccess(fd, a.flags())));
        } catch (ErrnoException e) {
            u.process().close(fd);
            throw e;
        }
        return 0;
    }

    /** iommufd_access_get: the access behind an fd; anything else is EBADFD. */
    private static SelftestAccessFile staccess(Ucmd<IommuTestCmd> u) {
        OpenFile f;
        try {
            f = u.process().file(u.cmd().id());
        } catch (ErrnoException e) {
            throw fail(Errno.EBADFD, "fd " + u.cmd().id() + " is not open");
        }
        if (!(f instanceof SelftestAccessFile s)) {
            throw fail(Errno.EBADFD, "fd " + u.cmd().id() + " is not a test access");
        }
        return s;
    }

    /** iommufd_test_access_pages: pins a range and checks each page is the one under {@code uptr} (EBADE). */
    private static long accessPages(Ucmd<IommuTestCmd> u, AccessPages a) {
        if (U64.lt(ACCESS_MAX, a.length())) {
            throw fail(Errno.ENOMEM, "access larger than 16 MiB");
        }
        if ((a.flags() & ~(IommufdTestStructs.MOCK_FLAGS_ACCESS_WRITE | IommufdTestStructs.MOCK_FLAGS_ACCESS_SYZ)) != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown access_pages flags");
        }
        SelftestAccessFile s = staccess(u);
        if (!s.needsPinPages()) {
            throw fail(Errno.EOPNOTSUPP, "access was created without NEEDS_PIN_PAGES");
        }
        IommufdAccess access = s.access();
        long[] gpas = access.pinPages(a.iova(), a.length(), (a.flags() & IommufdTestStructs.MOCK_FLAGS_ACCESS_WRITE) != 0);
        int id = -1;
        try {
            if (a.uptr() != 0) {
                long base = a.uptr() - (a.iova() % PAGE);
                for (int i = 0; i < gpas.length; i++) {
                    if (userPageGpa(u.process(), base + i * PAGE) != gpas[i]) {
                        throw fail(Errno.EBADE, "pinned page " + i + " is not the page under uptr");
                    }
                }
            }
            id = s.addItem(a.iova(), a.length());
            u.respond(u.cmd().withBody(new AccessPages(a.flags(), id, a.iova(), a.length(), a.uptr())));
        } catch (ErrnoException e) {
            if (id >= 0) {
                s.removeItem(id);
            }
            access.unpinPages(a.iova(), a.length());
            throw e;
        }
        return 0;
    }

    /** iommufd_test_access_rw: copies between user memory and the IOAS through the access. */
    private static long accessRw(Ucmd<IommuTestCmd> u, AccessRw a) {
        if (U64.lt(ACCESS_MAX, a.length())) {
            throw fail(Errno.ENOMEM, "access larger than 16 MiB");
        }
        if ((a.flags() & ~(IommufdTestStructs.MOCK_ACCESS_RW_WRITE | IommufdTestStructs.MOCK_ACCESS_RW_SLOW_PATH
                | IommufdTestStructs.MOCK_FLAGS_ACCESS_SYZ)) != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown access_rw flags");
        }
        SelftestAccessFile s = staccess(u);
        boolean write = (a.flags() & IommufdTestStructs.MOCK_ACCESS_RW_WRITE) != 0;
        byte[] buf = write ? u.copyFromUser(a.uptr(), (int) a.length()) : new byte[(int) a.length()];
        s.access().rw(a.iova(), buf, write);
        if (!write) {
            u.copyToUser(a.uptr(), buf);
        }
        return 0;
    }

    private static long destroyAccessPages(Ucmd<IommuTestCmd> u, DestroyAccessPages d) {
        if (!staccess(u).destroyItem(d.accessPagesId())) {
            throw fail(Errno.ENOENT, "no access pages " + d.accessPagesId());
        }
        return 0;
    }

    /** iommufd_test_dirty: marks the mock pages under the bitmap's set bits dirty; reports the count. */
    private static long dirty(Ucmd<IommuTestCmd> u, Dirty d) {
        long ps = d.pageSize();
        if (ps == 0 || d.length() == 0 || Long.remainderUnsigned(d.iova(), ps) != 0
                || Long.remainderUnsigned(d.length(), ps) != 0 || d.uptr() == 0) {
            throw fail(Errno.EINVAL, "bad dirty range");
        }
        HwPagetable hwpt = u.ctx().get(u.cmd().id(), HwPagetable.class);
        if (!(hwpt.domain() instanceof MockIommuDomain mock)) {
            throw fail(Errno.EINVAL, "not a mock domain");
        }
        if (!mock.dirtyTracking()) {
            throw fail(Errno.EINVAL, "dirty tracking is off");
        }
        long max = d.length() / ps;
        byte[] bitmap = u.copyFromUser(d.uptr(), (int) (max / 8));
        int count = 0;
        for (long i = 0; i < max && i / 8 < bitmap.length; i++) {
            if ((bitmap[(int) (i / 8)] & (1 << (i % 8))) != 0 && mock.markDirty(d.iova() + i * ps, ps) > 0) {
                count++;
            }
        }
        u.respond(u.cmd().withBody(new Dirty(d.flags(), d.iova(), d.length(), ps, d.uptr(), count)));
        return 0;
    }
}
