package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptGetDirtyBitmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptSetDirtyTracking;

import java.util.TreeMap;

import static dev.vplat.vfio.iommufd.Errors.fail;

/** HWPT_ALLOC, GET_HW_INFO and dirty tracking (hw_pagetable.c, device.c, io_pagetable.c). */
final class HwptIoctls {
    private HwptIoctls() {
    }

    /**
     * iommufd_hwpt_alloc for a kernel-managed paging HWPT on an IOAS. A paging HWPT as pt_id
     * asks for a nested HWPT, which no driver here supports (EOPNOTSUPP); a failed pt_id lookup
     * is EINVAL, not ENOENT, as in the kernel.
     */
    static long alloc(Ucmd<IommuHwptAlloc> u) {
        IommuHwptAlloc c = u.cmd();
        if (c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "__reserved must be 0");
        }
        boolean none = c.dataType() == IommufdIoctl.HWPT_DATA_NONE;
        if ((none && c.dataLen() != 0) || (!none && c.dataLen() == 0)) {
            throw fail(Errno.EINVAL, "data_len does not match data_type");
        }
        IommufdContext ctx = u.ctx();
        IommufdDevice idev = ctx.get(c.devId(), IommufdDevice.class);
        IommufdObject pt;
        try {
            pt = ctx.lookup(c.ptId());
        } catch (ErrnoException e) {
            throw fail(Errno.EINVAL, "pt_id " + c.ptId() + " does not exist");
        }
        HwPagetable hwpt;
        if (pt instanceof Ioas ioas) {
            if (!none) {
                throw fail(Errno.EINVAL, "a paging HWPT takes no driver data");
            }
            hwpt = HwPagetable.alloc(ctx, ioas, idev, c.flags(), false);
        } else if (pt instanceof HwPagetable) {
            throw fail(Errno.EOPNOTSUPP, idev.ops().name() + ": the IOMMU driver cannot nest");
        } else {
            throw fail(Errno.EINVAL, "pt_id must be an IOAS or an HWPT");
        }
        try {
            if ((c.flags() & IommufdIoctl.HWPT_FAULT_ID_VALID) != 0) {
                throw fail(Errno.ENOENT, "no fault object " + c.faultId());
            }
            u.respond(c.withOutHwptId(hwpt.id()));
        } catch (ErrnoException e) {
            ctx.removeObject(hwpt);
            throw e;
        }
        return 0;
    }

    /**
     * iommufd_get_hw_info: copies min(data_len, driver length) bytes of the driver's struct,
     * zeroes the rest of a larger buffer, reports the type, the full length and the generic
     * capabilities.
     */
    static long getHwInfo(Ucmd<IommuHwInfo> u) {
        IommuHwInfo c = u.cmd();
        if ((c.flags() & ~IommufdIoctl.HW_INFO_FLAG_INPUT_TYPE) != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown GET_HW_INFO flags");
        }
        for (byte b : c.reserved()) {
            if (b != 0) {
                throw fail(Errno.EOPNOTSUPP, "__reserved must be 0");
            }
        }
        int requested = (c.flags() & IommufdIoctl.HW_INFO_FLAG_INPUT_TYPE) != 0 ? c.dataType()
                : IommufdIoctl.HW_INFO_TYPE_DEFAULT;
        IommufdDevice idev = u.ctx().get(c.devId(), IommufdDevice.class);
        dev.vplat.vfio.iommu.IommuHwInfo info = idev.ops().hwInfo();
        int type = IommufdIoctl.HW_INFO_TYPE_NONE;
        byte[] data = new byte[0];
        if (info != null && info.type() != IommufdIoctl.HW_INFO_TYPE_NONE) {
            if (requested != IommufdIoctl.HW_INFO_TYPE_DEFAULT && requested != info.type()) {
                throw fail(Errno.EOPNOTSUPP, "the IOMMU does not report info type " + requested);
            }
            type = info.type();
            data = info.data();
        }
        long userLen = Integer.toUnsignedLong(c.dataLen());
        int copy = (int) Math.min(userLen, data.length);
        if (copy > 0) {
            u.copyToUser(c.dataUptr(), java.util.Arrays.copyOf(data, copy));
        }
        if (copy < userLen) {
            u.copyToUser(c.dataUptr() + copy, new byte[(int) (userLen - copy)]);
        }
        long caps = idev.ops().dirtyTrackingCapable() ? IommufdIoctl.HW_CAP_DIRTY_TRACKING : 0;
        u.respond(c.withResult(data.length, type, caps));
        return 0;
    }

    /** iommufd_hwpt_set_dirty_tracking. */
    static long setDirtyTracking(Ucmd<IommuHwptSetDirtyTracking> u) {
        IommuHwptSetDirtyTracking c = u.cmd();
        if ((c.flags() & ~IommufdIoctl.HWPT_DIRTY_TRACKING_ENABLE) != 0 || c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown flags or __reserved set");
        }
        PagingDomain d = u.ctx().get(c.hwptId(), HwPagetable.class).domain();
        if (!d.supportsDirtyTracking()) {
            throw fail(Errno.EOPNOTSUPP, "the HWPT was not allocated with DIRTY_TRACKING");
        }
        d.setDirtyTracking((c.flags() & IommufdIoctl.HWPT_DIRTY_TRACKING_ENABLE) != 0);
        return 0;
    }

    /**
     * iommufd_hwpt_get_dirty_bitmap: range and page_size checks (iommufd_check_iova_range),
     * then the domain reports dirty IOVAs over contiguous areas (EINVAL on a gap); each dirty
     * page sets its bits in the user bitmap, bit i meaning iova + i * page_size.
     */
    static long getDirtyBitmap(Ucmd<IommuHwptGetDirtyBitmap> u) {
        IommuHwptGetDirtyBitmap c = u.cmd();
        if ((c.flags() & ~IommufdIoctl.HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0 || c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown flags or __reserved set");
        }
        HwPagetable hwpt = u.ctx().get(c.hwptId(), HwPagetable.class);
        IoPagetable iopt = hwpt.ioas().iopt();
        if (U64.addOverflows(c.iova(), c.length() - 1)) {
            throw fail(Errno.EOVERFLOW, "IOVA range wraps");
        }
        long last = c.iova() + c.length() - 1;
        long align = iopt.alignment();
        if ((c.iova() & (align - 1)) != 0 || ((last + 1) & (align - 1)) != 0) {
            throw fail(Errno.EINVAL, "range not aligned to the IOVA alignment");
        }
        long ps = c.pageSize();
        if (ps == 0) {
            throw fail(Errno.EINVAL, "page_size 0");
        }
        if (Long.remainderUnsigned(c.iova(), ps) != 0 || Long.remainderUnsigned(last + 1, ps) != 0) {
            throw fail(Errno.EINVAL, "range not aligned to page_size");
        }
        PagingDomain d = hwpt.domain();
        if (!d.supportsDirtyTracking()) {
            throw fail(Errno.EOPNOTSUPP, "the HWPT has no dirty tracking");
        }
        long bits = Long.divideUnsigned(c.length(), ps);
        long bitmapBytes = ((bits + 63) / 64) * 8;
        for (long off = 0; off < bitmapBytes; off += 4096 - ((c.data() + off) & 4095)) {
            u.copyFromUser(c.data() + off, 1);
        }
        boolean noClear = (c.flags() & IommufdIoctl.HWPT_GET_DIRTY_BITMAP_NO_CLEAR) != 0;
        long domainPage = Long.lowestOneBit(d.pageSizeBitmap());
        TreeMap<Long, Byte> touched = new TreeMap<>();
        iopt.forEachContiguous(c.iova(), last, (area, from, to) ->
                d.readAndClearDirty(from, to - from + 1, noClear, dirtyIova -> {
                    long firstBit = Long.divideUnsigned(dirtyIova - c.iova(), ps);
                    long lastBit = Long.divideUnsigned(dirtyIova + domainPage - 1 - c.iova(), ps);
                    for (long b = firstBit; b <= lastBit && b < bits; b++) {
                        touched.merge(b / 8, (byte) (1 << (b % 8)), (x, y) -> (byte) (x | y));
                    }
                }), Errno.EINVAL);
        touched.forEach((index, mask) -> {
            byte cur = u.copyFromUser(c.data() + index, 1)[0];
            u.copyToUser(c.data() + index, new byte[] {(byte) (cur | mask)});
        });
        return 0;
    }
}
