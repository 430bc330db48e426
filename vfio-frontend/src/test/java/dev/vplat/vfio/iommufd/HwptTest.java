package dev.vplat.vfio.iommufd;

import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.vfio.hostiommu.MockIommuDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptGetDirtyBitmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptSetDirtyTracking;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckRefs;
import dev.vplat.vfio.uapi.IommufdTestStructs.Dirty;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestHwInfo;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomainReplace;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** HWPT_ALLOC, GET_HW_INFO and dirty tracking (fact sheet §3.11) over the mock unit. */
class HwptTest {
    private static final long BASE = 1L << 24;
    private final IommufdFixture f = IommufdFixture.create();
    private final int ioas = f.ioasAlloc();
    private final MockDomain md = f.mockDomain(ioas);

    private IommuHwptAlloc alloc(int flags, int dev, int pt) {
        return new IommuHwptAlloc(48, flags, dev, pt, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void hwptAllocErrnosInKernelOrder() {
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(48, 0, md.outIdevId(), ioas, 0, 1, 0, 0, 0, 0, 0)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(48, 0, md.outIdevId(), ioas, 0, 0, 0, 4, 0, 0, 0)), "NONE with data_len");
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(48, 0, md.outIdevId(), ioas, 0, 0, 1, 0, 0, 0, 0)), "type without data");
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(0, ioas, ioas)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(0, md.outIdevId(), 99)),
                "a bad pt_id is EINVAL");
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(0, md.outIdevId(), md.outIdevId())));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(1 << 7, md.outIdevId(), ioas)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(1 << 3, md.outIdevId(), ioas)),
                "the mock has no PASID domains");
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(1 << 2, md.outIdevId(), ioas)),
                "no fault object can exist");
        assertEquals(4, f.ctx().objectCount(), "IOAS, stdev, idev and auto HWPT only");
    }

    @Test
    void manualHwptIsFilledAtAllocAndReplaceMovesTheDevice() {
        long buf = f.buffer(4096);
        f.map(ioas, FIXED_RW, buf, 4096, BASE);
        int hwpt = f.call(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(IommufdIoctl.HWPT_ALLOC_NEST_PARENT, md.outIdevId(), ioas))
                .outHwptId();
        MockIommuDomain d = (MockIommuDomain) f.ctx().get(hwpt, HwPagetable.class).domain();
        assertEquals(2, d.hardware().mappedBytes() / MockIommu.PAGE_SIZE, "one 4 KiB area is two mock pages");
        f.test(IommufdTestStructs.OP_MD_CHECK_REFS, 0, new CheckRefs(4096, buf, 1));
        MockDomainReplace r = f.test(IommufdTestStructs.OP_MOCK_DOMAIN_REPLACE, md.outStdevId(), new MockDomainReplace(hwpt))
                .body(MockDomainReplace.class);
        assertEquals(hwpt, r.ptId());
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_DESTROY,
                new dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy(8, md.outHwptId())));
        assertEquals(Errno.EBUSY, f.errno(IommufdIoctl.IOMMU_DESTROY,
                new dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy(8, hwpt)));
    }

    @Test
    void getHwInfoCopiesTheSmallerLengthAndZeroesTheRest() {
        long data = f.buffer(4096);
        f.proc.memory().write(data, new byte[] {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9});
        IommuHwInfo out = f.call(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 0, md.outIdevId(), 12, data, 0, (byte) 0, new byte[3], 0));
        assertEquals(8, out.dataLen());
        assertEquals(IommufdTestStructs.HW_INFO_TYPE_SELFTEST, out.dataType());
        assertEquals(IommufdIoctl.HW_CAP_DIRTY_TRACKING, out.outCapabilities());
        assertEquals(new IommuTestHwInfo(0, IommufdTestStructs.HW_INFO_SELFTEST_REGVAL),
                Uapi.decode(IommuTestHwInfo.class, f.proc.memory().read(data, 8)));
        assertArrayEquals(new byte[4], f.proc.memory().read(data + 8, 4));
        f.proc.memory().write(data, new byte[8]);
        f.call(IommufdIoctl.IOMMU_GET_HW_INFO, new IommuHwInfo(40, 0, md.outIdevId(), 4, data, 0, (byte) 0, new byte[3], 0));
        assertArrayEquals(new byte[4], f.proc.memory().read(data + 4, 4), "only data_len bytes are written");
    }

    @Test
    void getHwInfoErrnos() {
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 2, md.outIdevId(), 0, 0, 0, (byte) 0, new byte[3], 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 0, md.outIdevId(), 0, 0, 0, (byte) 0, new byte[] {0, 1, 0}, 0)));
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 0, ioas, 0, 0, 0, (byte) 0, new byte[3], 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 1, md.outIdevId(), 0, 0, IommufdIoctl.HW_INFO_TYPE_INTEL_VTD, (byte) 0, new byte[3], 0)));
    }

    private int dirtyHwpt() {
        return f.call(IommufdIoctl.IOMMU_HWPT_ALLOC, alloc(IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING, md.outIdevId(), ioas))
                .outHwptId();
    }

    @Test
    void dirtyTrackingNeedsADirtyCapableHwpt() {
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING,
                new IommuHwptSetDirtyTracking(16, 1, md.outHwptId(), 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING,
                new IommuHwptSetDirtyTracking(16, 2, md.outHwptId(), 0)));
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING,
                new IommuHwptSetDirtyTracking(16, 1, ioas, 0)));
        f.call(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, new IommuHwptSetDirtyTracking(16, 1, dirtyHwpt(), 0));
    }

    @Test
    void dirtyBitmapReportsMarkedPagesAndClearsThemUnlessNoClear() {
        long buf = f.buffer(16 * 4096);
        f.map(ioas, FIXED_RW, buf, 16 * 4096, BASE);
        int hwpt = dirtyHwpt();
        f.call(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, new IommuHwptSetDirtyTracking(16, 1, hwpt, 0));
        long marks = f.buffer(4096);
        f.proc.memory().write(marks, new byte[] {(byte) 0b1000_0101});
        long nr = f.test(IommufdTestStructs.OP_DIRTY, hwpt, new Dirty(0, BASE, 8 * 2048, 2048, marks, 0))
                .body(Dirty.class).outNrDirty();
        assertEquals(3, nr);
        long bitmap = f.buffer(4096);
        f.proc.memory().write(bitmap, new byte[8]);
        IommuHwptGetDirtyBitmap q = new IommuHwptGetDirtyBitmap(48, hwpt, 1, 0, BASE, 16 * 4096, 2048, bitmap);
        f.call(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, q);
        assertEquals((byte) 0b1000_0101, f.proc.memory().read(bitmap, 1)[0]);
        f.proc.memory().write(bitmap, new byte[8]);
        f.call(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, BASE, 16 * 4096, 4096, bitmap));
        assertEquals((byte) 0b0000_1011, f.proc.memory().read(bitmap, 1)[0], "4 KiB granules 0, 1 and 3");
        f.proc.memory().write(bitmap, new byte[8]);
        f.call(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, q);
        assertEquals(0, f.proc.memory().read(bitmap, 1)[0], "cleared by the previous read");
    }

    @Test
    void dirtyBitmapRangeErrnos() {
        f.map(ioas, FIXED_RW, f.buffer(4096), 4096, BASE);
        int hwpt = dirtyHwpt();
        f.call(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, new IommuHwptSetDirtyTracking(16, 1, hwpt, 0));
        long bm = f.buffer(4096);
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 2, 0, BASE, 4096, 4096, bm)));
        assertEquals(Errno.EOVERFLOW, f.errno(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, -4096L, 8192, 4096, bm)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, BASE + 1024, 4096, 4096, bm)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, BASE, 4096, 0, bm)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, BASE, 8192, 4096, bm)), "range not fully mapped");
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, ioas, 0, 0, BASE, 4096, 4096, bm)));
    }
}
