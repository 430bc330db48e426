package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasCopy;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckMap;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckRefs;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static dev.vplat.vfio.iommufd.IommufdFixture.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pinning and RLIMIT_MEMLOCK (fact sheet §3.10), observed with MD_CHECK_REFS and the counters. */
class PinAccountingTest {
    private static final long MOCK_BASE = 1L << 24;

    private void checkRefs(IommufdFixture f, long uva, long len, int refs) {
        f.test(IommufdTestStructs.OP_MD_CHECK_REFS, 0, new CheckRefs(len, uva, refs));
    }

    @Test
    void nothingIsPinnedUntilADomainIsAttachedThenEachPageOnce() {
        IommufdFixture f = IommufdFixture.create();
        int ioas = f.ioasAlloc();
        long buf = f.buffer(8 * 4096);
        f.map(ioas, FIXED_RW, buf, 8 * 4096, MOCK_BASE);
        checkRefs(f, buf, 8 * 4096, 0);
        MockDomain md = f.mockDomain(ioas);
        f.mockDomain(ioas);
        checkRefs(f, buf, 8 * 4096, 1);
        assertEquals(8, f.proc.lockedPages());
        f.test(IommufdTestStructs.OP_MD_CHECK_MAP, md.outHwptId(), new CheckMap(MOCK_BASE, 8 * 4096, buf));
        f.unmap(ioas, MOCK_BASE, 8 * 4096);
        checkRefs(f, buf, 8 * 4096, 0);
        assertEquals(0, f.proc.lockedPages());
    }

    @Test
    void mapWithADomainAttachedPinsAtOnceAndFaultsOnMissingMemory() {
        IommufdFixture f = IommufdFixture.create();
        int ioas = f.ioasAlloc();
        f.mockDomain(ioas);
        long buf = f.buffer(4096);
        f.map(ioas, FIXED_RW, buf, 4096, MOCK_BASE);
        checkRefs(f, buf, 4096, 1);
        assertEquals(Errno.EFAULT, f.errno(IommufdIoctl.IOMMU_IOAS_MAP,
                IommufdFixture.mapCmd(ioas, FIXED_RW, 1L << 31, 4096, MOCK_BASE + 0x10000)));
        assertEquals(1, f.ctx().ioas(ioas).iopt().areaCount(), "the failed map left no area");
    }

    @Test
    void attachOfADomainFailsWithEfaultWhenAMappedAddressIsGone() {
        IommufdFixture f = IommufdFixture.create();
        int ioas = f.ioasAlloc();
        f.map(ioas, FIXED_RW, 1L << 31, 4096, MOCK_BASE);
        assertEquals(Errno.EFAULT, f.errno(IommufdIoctl.IOMMU_TEST_CMD,
                IommufdFixture.testCmd(IommufdTestStructs.OP_MOCK_DOMAIN, ioas, new MockDomain(0, 0, 0))));
        assertEquals(1, f.ctx().objectCount());
    }

    @Test
    void pinsBeyondTheMemlockLimitAreEnomemAndChargeNothing() {
        IommufdFixture f = IommufdFixture.create(false, true, 4);
        int ioas = f.ioasAlloc();
        f.mockDomain(ioas);
        long buf = f.buffer(8 * 4096);
        f.map(ioas, FIXED_RW, buf, 4 * 4096, MOCK_BASE);
        assertEquals(Errno.ENOMEM, f.errno(IommufdIoctl.IOMMU_IOAS_MAP,
                IommufdFixture.mapCmd(ioas, FIXED_RW, buf + 4 * 4096, 4096, MOCK_BASE + 0x100000)));
        assertEquals(4, f.proc.lockedPages());
        assertEquals(4, f.counter("pinned_pages"));
    }

    @Test
    void privilegedProcessesPinWithoutCharge() {
        IommufdFixture f = IommufdFixture.create(true, true, 1);
        int ioas = f.ioasAlloc();
        f.mockDomain(ioas);
        f.map(ioas, FIXED_RW, f.buffer(4 * 4096), 4 * 4096, MOCK_BASE);
        assertEquals(0, f.proc.lockedPages());
        assertEquals(4, f.counter("pinned_pages"));
    }

    @Test
    void copySharesThePinnedPagesAcrossIoases() {
        IommufdFixture f = IommufdFixture.create();
        int src = f.ioasAlloc();
        int dst = f.ioasAlloc();
        f.mockDomain(src);
        f.mockDomain(dst);
        long buf = f.buffer(4 * 4096);
        f.map(src, FIXED_RW, buf, 2 * 4096, MOCK_BASE);
        f.map(src, FIXED_RW, buf + 2 * 4096, 2 * 4096, MOCK_BASE + 2 * 4096);
        IommuIoasCopy out = f.call(IommufdIoctl.IOMMU_IOAS_COPY,
                new IommuIoasCopy(40, RW, dst, src, 3 * 4096, 0, MOCK_BASE + 4096));
        assertEquals(MOCK_BASE, out.dstIova(), "automatic placement in the destination aperture");
        checkRefs(f, buf, 4 * 4096, 1);
        assertEquals(4, f.proc.lockedPages());
        assertEquals(2, f.ctx().ioas(dst).iopt().areaCount(), "one area per source slice");
    }

    @Test
    void copyErrnos() {
        IommufdFixture f = IommufdFixture.create();
        int src = f.ioasAlloc();
        long buf = f.buffer(4 * 4096);
        f.map(src, FIXED_RW, buf, 4096, 0x10000);
        f.map(src, FIXED_RW, buf, 4096, 0x12000);
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, 8 | RW, src, src, 4096, 0, 0x10000)));
        assertEquals(Errno.EOVERFLOW, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, RW, src, src, -1L, 0, 0x10000)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, 0, src, src, 4096, 0, 0x10000)));
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, RW, src, 9, 4096, 0, 0x10000)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, RW, src, src, 0, 0, 0x10000)));
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, RW, src, src, 0x3000, 0, 0x10000)),
                "a gap between source areas");
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, RW, 9, src, 4096, 0, 0x10000)));
        assertEquals(Errno.EEXIST, f.errno(IommufdIoctl.IOMMU_IOAS_COPY,
                new IommuIoasCopy(40, FIXED_RW, src, src, 0x800, 0x12000, 0x10400)));
    }

    @Test
    void writableCopyOfReadOnlyPagesIsEperm() {
        IommufdFixture f = IommufdFixture.create();
        int ioas = f.ioasAlloc();
        f.map(ioas, IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_FIXED_IOVA, f.buffer(4096), 4096, 0x10000);
        assertEquals(Errno.EPERM, f.errno(IommufdIoctl.IOMMU_IOAS_COPY, new IommuIoasCopy(40, RW, ioas, ioas, 4096, 0, 0x10000)));
    }
}
