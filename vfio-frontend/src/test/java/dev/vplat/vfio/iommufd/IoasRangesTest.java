package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAllowIovas;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasIovaRanges;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.AddReserved;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** IOMMU_IOAS_IOVA_RANGES and IOMMU_IOAS_ALLOW_IOVAS (fact sheet §3.6, §3.7). */
class IoasRangesTest {
    private final IommufdFixture f = IommufdFixture.create();
    private final int ioas = f.ioasAlloc();
    private final long array = f.buffer(4096);

    private IommuIovaRange range(int i) {
        return Uapi.decode(IommuIovaRange.class, f.proc.memory().read(array + 16L * i, 16));
    }

    private IommuIoasIovaRanges ranges(int capacity) {
        return f.call(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, new IommuIoasIovaRanges(32, ioas, capacity, 0, array, 0));
    }

    private void allow(IommuIovaRange... list) {
        for (int i = 0; i < list.length; i++) {
            f.proc.memory().write(array + 16L * i, Uapi.encode(list[i]));
        }
        f.call(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, new IommuIoasAllowIovas(24, ioas, list.length, 0, array));
    }

    private Errno allowErrno(IommuIovaRange... list) {
        return assertThrows(ErrnoException.class, () -> allow(list)).errno();
    }

    @Test
    void freshIoasHasOneFullRangeAndAlignmentOne() {
        IommuIoasIovaRanges out = ranges(4);
        assertEquals(1, out.numIovas());
        assertEquals(1, out.outIovaAlignment());
        assertEquals(new IommuIovaRange(0, -1L), range(0));
    }

    @Test
    void tooSmallArrayIsEmsgsizeWithTheTotalCopiedBack() {
        f.test(IommufdTestStructs.OP_ADD_RESERVED, ioas, new AddReserved(0x10000, 0x10000));
        f.proc.memory().write(f.scratch, Uapi.encode(new IommuIoasIovaRanges(32, ioas, 1, 0, array, 0)));
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> f.file().ioctl(f.proc, IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, f.scratch));
        assertEquals(Errno.EMSGSIZE, e.errno());
        IommuIoasIovaRanges out = Uapi.decode(IommuIoasIovaRanges.class, f.proc.memory().read(f.scratch, 32));
        assertEquals(2, out.numIovas());
        assertEquals(new IommuIovaRange(0, 0xffff), range(0));
    }

    @Test
    void mockDomainNarrowsRangesToItsApertureAndRaisesAlignment() {
        f.mockDomain(ioas);
        IommuIoasIovaRanges out = ranges(4);
        assertEquals(1, out.numIovas());
        assertEquals(2048, out.outIovaAlignment());
        assertEquals(new IommuIovaRange(1L << 24, (1L << 31) - 1), range(0));
    }

    @Test
    void reservedFieldIsEopnotsupp() {
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES,
                new IommuIoasIovaRanges(32, ioas, 1, 1, array, 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS,
                new IommuIoasAllowIovas(24, ioas, 0, 1, array)));
    }

    @Test
    void allowedRangeMustHaveStartBelowLast() {
        assertEquals(Errno.EINVAL, allowErrno(new IommuIovaRange(0x1000, 0x1000)));
    }

    @Test
    void allowedRangesMustNotOverlap() {
        assertEquals(Errno.EINVAL, allowErrno(new IommuIovaRange(0x1000, 0x2fff), new IommuIovaRange(0x2000, 0x3fff)));
    }

    @Test
    void allowedRangeTouchingAReservationIsEaddrinuseAndKeepsTheOldList() {
        allow(new IommuIovaRange(0x100000, 0x1fffff));
        f.test(IommufdTestStructs.OP_ADD_RESERVED, ioas, new AddReserved(0x10000, 0x1000));
        assertEquals(Errno.EADDRINUSE, allowErrno(new IommuIovaRange(0x8000, 0x10fff)));
        assertEquals(0x100000, f.map(ioas, IommufdFixture.RW, f.buffer(4096), 4096, 0), "old list still rules");
    }

    @Test
    void reservationIntoAnAllowedRangeIsEaddrinuse() {
        allow(new IommuIovaRange(0x100000, 0x1fffff));
        assertEquals(Errno.EADDRINUSE, f.errno(IommufdIoctl.IOMMU_TEST_CMD, IommufdFixture.testCmd(
                IommufdTestStructs.OP_ADD_RESERVED, ioas, new AddReserved(0x1ff000, 0x2000))));
    }

    @Test
    void reservationOverAMappingIsEaddrinuse() {
        f.map(ioas, FIXED_RW, f.buffer(4096), 4096, 0x10000);
        assertEquals(Errno.EADDRINUSE, f.errno(IommufdIoctl.IOMMU_TEST_CMD, IommufdFixture.testCmd(
                IommufdTestStructs.OP_ADD_RESERVED, ioas, new AddReserved(0x10000, 0x1000))));
    }

    @Test
    void mockDomainAttachOutsideAllowedRangesIsEaddrinuse() {
        allow(new IommuIovaRange(0x1000, 0x1fff));
        assertEquals(Errno.EADDRINUSE, f.errno(IommufdIoctl.IOMMU_TEST_CMD, IommufdFixture.testCmd(
                IommufdTestStructs.OP_MOCK_DOMAIN, ioas, new IommufdTestStructs.MockDomain(0, 0, 0))));
        assertEquals(1, f.ctx().objectCount(), "the failed attach left only the IOAS");
    }

    @Test
    void emptyListClearsTheAllowedRanges() {
        allow(new IommuIovaRange(0x100000, 0x100fff));
        allow();
        assertEquals(0x1000, f.map(ioas, IommufdFixture.RW, f.buffer(4096), 4096, 0));
    }
}
