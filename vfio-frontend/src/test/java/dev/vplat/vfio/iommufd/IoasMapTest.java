package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAllowIovas;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.AddReserved;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static dev.vplat.vfio.iommufd.IommufdFixture.RW;
import static dev.vplat.vfio.iommufd.IommufdFixture.mapCmd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IOMMU_IOAS_MAP: the validation order of ioas.c/io_pagetable.c (fact sheet §3.2, §3.3). */
class IoasMapTest {
    private final IommufdFixture f = IommufdFixture.create();
    private final int ioas = f.ioasAlloc();
    private final long buf = f.buffer(1 << 20);

    private Errno map(int flags, long uva, long length, long iova) {
        return f.errno(IommufdIoctl.IOMMU_IOAS_MAP, mapCmd(ioas, flags, uva, length, iova));
    }

    @Test
    void unknownFlagsOrReservedAreEopnotsupp() {
        assertEquals(Errno.EOPNOTSUPP, map(RW | 8, buf, 4096, 0));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_IOAS_MAP,
                new IommuIoasMap(40, RW, ioas, 1, buf, 4096, 0)));
    }

    @Test
    void ulongMaxIovaOrLengthIsEoverflowBeforeTheIoasLookup() {
        assertEquals(Errno.EOVERFLOW, f.errno(IommufdIoctl.IOMMU_IOAS_MAP, mapCmd(99, FIXED_RW, buf, 4096, -1L)));
        assertEquals(Errno.EOVERFLOW, f.errno(IommufdIoctl.IOMMU_IOAS_MAP, mapCmd(99, RW, buf, -1L, 0)));
    }

    @Test
    void mappingWithoutReadOrWriteIsEinval() {
        assertEquals(Errno.EINVAL, map(IommufdIoctl.IOAS_MAP_FIXED_IOVA, buf, 4096, 0x10000));
    }

    @Test
    void unknownIoasIsEnoent() {
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_IOAS_MAP, mapCmd(ioas + 1, RW, buf, 4096, 0)));
    }

    @Test
    void userAddressPlusLengthWrappingIsEoverflow() {
        assertEquals(Errno.EOVERFLOW, map(RW, -4096L, 8192, 0));
    }

    @Test
    void zeroLengthIsEinval() {
        assertEquals(Errno.EINVAL, map(RW, buf, 0, 0));
    }

    @Test
    void fixedMapOntoAnExistingAreaIsEexist() {
        f.map(ioas, FIXED_RW, buf, 8192, 0x10000);
        assertEquals(Errno.EEXIST, map(FIXED_RW, buf, 4096, 0x11000));
    }

    @Test
    void fixedMapIntoAReservedRangeIsEinval() {
        f.test(IommufdTestStructs.OP_ADD_RESERVED, ioas, new AddReserved(0x100000, 0x10000));
        assertEquals(Errno.EINVAL, map(FIXED_RW, buf, 4096, 0x108000));
    }

    @Test
    void fixedMapWrappingTheIovaSpaceIsEoverflow() {
        assertEquals(Errno.EOVERFLOW, map(FIXED_RW, buf, 8192, -4096L - 4096L + 4096L));
    }

    @Test
    void withoutADomainAnyAddressAndAlignmentIsAccepted() {
        assertEquals(0x1234, f.map(ioas, FIXED_RW, 1L << 31, 3, 0x1234));
        assertEquals(0, f.counter("pinned_pages"));
    }

    @Test
    void autoPlacementNeverReturnsZeroAndFollowsTheLengthsLowestBit() {
        long aligned = f.proc.memory().mmap(1 << 20, 3, 1 << 20);
        long a = f.map(ioas, RW, aligned, 4096, 0);
        long b = f.map(ioas, RW, aligned, 3 * 4096, 0);
        long c = f.map(ioas, RW, aligned, 64 * 1024, 0);
        assertNotEquals(0, a);
        assertEquals(4096, a, "first fit starts at PAGE_SIZE");
        assertEquals(0, b % 4096);
        assertEquals(0, c % (64 * 1024), "64 KiB from a 1 MiB-aligned buffer is 64 KiB aligned");
        assertTrue(Long.compareUnsigned(c, b) > 0);
    }

    @Test
    void autoPlacementKeepsTheUserAddressPageOffset() {
        long iova = f.map(ioas, RW, buf + 0x200, 0x200, 0);
        assertEquals(0x200, iova % 4096);
    }

    @Test
    void autoPlacementCapsAlignmentAtTheHugePageSize() {
        long big = f.proc.memory().mmap(8L << 20, 3, 8L << 20);
        long iova = f.map(ioas, RW, big, 8L << 20, 0);
        assertEquals(2L << 20, iova, "8 MiB aligned buffer still places at the first 2 MiB boundary");
    }

    @Test
    void autoPlacementSearchesOnlyTheAllowedRangesAndReportsEnospc() {
        long list = f.buffer(4096);
        f.proc.memory().write(list, Uapi.encode(new IommuIovaRange(0x40000, 0x43fff)));
        f.call(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, new IommuIoasAllowIovas(24, ioas, 1, 0, list));
        assertEquals(0x40000, f.map(ioas, RW, buf, 0x2000, 0));
        assertEquals(0x42000, f.map(ioas, RW, buf, 0x2000, 0));
        assertEquals(Errno.ENOSPC, map(RW, buf, 0x1000, 0));
        assertEquals(0x100000, f.map(ioas, FIXED_RW, buf, 0x1000, 0x100000), "fixed maps ignore the allow list");
    }

    @Test
    void autoPlacementSkipsReservedRanges() {
        f.test(IommufdTestStructs.OP_ADD_RESERVED, ioas, new AddReserved(0x1000, 0xff000));
        assertEquals(0x100000, f.map(ioas, RW, buf, 0x1000, 0));
    }

    @Test
    void iovaWrittenBackOnlyForAutomaticPlacement() {
        IommuIoasMap out = f.call(IommufdIoctl.IOMMU_IOAS_MAP, mapCmd(ioas, RW, buf, 4096, 0xdead000));
        assertNotEquals(0xdead000, out.iova());
    }
}
