package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAllowIovas;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasCopy;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasIovaRanges;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.Uapi;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.vfio.iommufd.Errors.fail;

/** The IOAS ioctls (drivers/iommu/iommufd/ioas.c), checks in the kernel's order. */
final class IoasIoctls {
    private static final int MAP_FLAGS = IommufdIoctl.IOAS_MAP_FIXED_IOVA | IommufdIoctl.IOAS_MAP_WRITEABLE
            | IommufdIoctl.IOAS_MAP_READABLE;
    private static final int RANGE_SIZE = Uapi.sizeOf(IommuIovaRange.class);

    private IoasIoctls() {
    }

    static long alloc(Ucmd<IommuIoasAlloc> u) {
        if (u.cmd().flags() != 0) {
            throw fail(Errno.EOPNOTSUPP, "IOAS_ALLOC flags must be 0");
        }
        Ioas ioas = u.ctx().allocIoas();
        try {
            u.respond(u.cmd().withOutIoasId(ioas.id()));
        } catch (ErrnoException e) {
            u.ctx().removeObject(ioas);
            throw e;
        }
        return 0;
    }

    /**
     * iommufd_ioas_iova_ranges: the holes of the reserved set; the struct is copied back with
     * the total count even when the array was too small, and then EMSGSIZE is returned.
     */
    static long iovaRanges(Ucmd<IommuIoasIovaRanges> u) {
        IommuIoasIovaRanges c = u.cmd();
        if (c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "__reserved must be 0");
        }
        Ioas ioas = u.ctx().get(c.ioasId(), Ioas.class);
        long capacity = Integer.toUnsignedLong(c.numIovas());
        List<IntervalSet.Span> ranges = ioas.iopt().iovaRanges();
        for (int i = 0; i < ranges.size() && i < capacity; i++) {
            IntervalSet.Span r = ranges.get(i);
            u.copyToUser(c.allowedIovas() + (long) i * RANGE_SIZE, Uapi.encode(new IommuIovaRange(r.start(), r.last())));
        }
        u.respond(c.withResult(ranges.size(), ioas.iopt().alignment()));
        if (ranges.size() > capacity) {
            throw fail(Errno.EMSGSIZE, ranges.size() + " ranges do not fit in " + capacity);
        }
        return 0;
    }

    /**
     * iommufd_ioas_allow_iovas: each range needs start &lt; last and no overlap with the others
     * (EINVAL); the new list replaces the old one unless it meets a reservation (EADDRINUSE).
     */
    static long allowIovas(Ucmd<IommuIoasAllowIovas> u) {
        IommuIoasAllowIovas c = u.cmd();
        if (c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "__reserved must be 0");
        }
        Ioas ioas = u.ctx().get(c.ioasId(), Ioas.class);
        IntervalSet seen = new IntervalSet();
        List<IntervalSet.Span> ranges = new ArrayList<>();
        for (long i = 0; i < Integer.toUnsignedLong(c.numIovas()); i++) {
            IommuIovaRange r = Uapi.decode(IommuIovaRange.class, u.copyFromUser(c.allowedIovas() + i * RANGE_SIZE,
                    RANGE_SIZE));
            if (U64.le(r.last(), r.start())) {
                throw fail(Errno.EINVAL, "allowed range start must be below its last");
            }
            if (seen.intersects(r.start(), r.last())) {
                throw fail(Errno.EINVAL, "allowed ranges overlap");
            }
            seen.add(r.start(), r.last());
            ranges.add(new IntervalSet.Span(r.start(), r.last()));
        }
        ioas.iopt().setAllowed(ranges);
        return 0;
    }

    static int prot(int mapFlags) {
        int prot = 0;
        if ((mapFlags & IommufdIoctl.IOAS_MAP_WRITEABLE) != 0) {
            prot |= PagingDomain.PROT_WRITE;
        }
        if ((mapFlags & IommufdIoctl.IOAS_MAP_READABLE) != 0) {
            prot |= PagingDomain.PROT_READ;
        }
        return prot;
    }

    /** iommufd_ioas_map + iopt_map_user_pages: see docs/iommufd.md for the full check order. */
    static long map(Ucmd<IommuIoasMap> u) {
        IommuIoasMap c = u.cmd();
        if ((c.flags() & ~MAP_FLAGS) != 0 || c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown MAP flags or __reserved set");
        }
        if (c.iova() == U64.MAX || c.length() == U64.MAX) {
            throw fail(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
        }
        checkAccessFlags(c.flags());
        Ioas ioas = u.ctx().get(c.ioasId(), Ioas.class);
        if (U64.addOverflows(c.userVa(), c.length())) {
            throw fail(Errno.EOVERFLOW, "user_va + length wraps");
        }
        if (c.length() == 0 || U64.lt(U64.MAX - IoPages.PAGE_SIZE, c.length())) {
            throw fail(Errno.EINVAL, "length is 0 or too large");
        }
        long startByte = c.userVa() % IoPages.PAGE_SIZE;
        IoPages pages = new IoPages(u.process(), c.userVa() - startByte,
                (c.flags() & IommufdIoctl.IOAS_MAP_WRITEABLE) != 0, u.ctx().accountMode());
        long iova = ioas.iopt().map(List.of(new IoPagetable.Slice(pages, startByte, c.length())), c.length(),
                c.iova(), (c.flags() & IommufdIoctl.IOAS_MAP_FIXED_IOVA) == 0, prot(c.flags()));
        u.respond(c.withIova(iova));
        return 0;
    }

    private static void checkAccessFlags(int flags) {
        if ((flags & (IommufdIoctl.IOAS_MAP_WRITEABLE | IommufdIoctl.IOAS_MAP_READABLE)) == 0) {
            throw fail(Errno.EINVAL, "mapping must be readable or writeable");
        }
    }

    /** iommufd_ioas_copy: the source range's pages, shared (pinned once), mapped again in the destination. */
    static long copy(Ucmd<IommuIoasCopy> u) {
        IommuIoasCopy c = u.cmd();
        if ((c.flags() & ~MAP_FLAGS) != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown COPY flags");
        }
        if (c.length() == U64.MAX || c.srcIova() == U64.MAX || c.dstIova() == U64.MAX) {
            throw fail(Errno.EOVERFLOW, "length or an IOVA is ULONG_MAX");
        }
        checkAccessFlags(c.flags());
        Ioas src = u.ctx().get(c.srcIoasId(), Ioas.class);
        List<IoPagetable.Slice> slices = src.iopt().slices(c.srcIova(), c.length());
        Ioas dst = u.ctx().get(c.dstIoasId(), Ioas.class);
        long iova = dst.iopt().map(slices, c.length(), c.dstIova(), (c.flags() & IommufdIoctl.IOAS_MAP_FIXED_IOVA) == 0,
                prot(c.flags()));
        u.respond(c.withDstIova(iova));
        return 0;
    }

    /** iommufd_ioas_unmap: (0, U64_MAX) unmaps everything; otherwise only whole areas inside the range. */
    static long unmap(Ucmd<IommuIoasUnmap> u) {
        IommuIoasUnmap c = u.cmd();
        Ioas ioas = u.ctx().get(c.ioasId(), Ioas.class);
        long unmapped;
        if (c.iova() == 0 && c.length() == U64.MAX) {
            unmapped = ioas.iopt().unmapAll();
        } else {
            if (c.iova() == U64.MAX || c.length() == U64.MAX) {
                throw fail(Errno.EOVERFLOW, "iova or length is ULONG_MAX");
            }
            if (c.length() == 0) {
                throw fail(Errno.EINVAL, "zero length");
            }
            if (U64.addOverflows(c.iova(), c.length() - 1)) {
                throw fail(Errno.EOVERFLOW, "IOVA range wraps");
            }
            unmapped = ioas.iopt().unmap(c.iova(), c.iova() + c.length() - 1);
        }
        u.respond(c.withLength(unmapped));
        return 0;
    }
}
