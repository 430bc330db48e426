package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** IOMMU_IOAS_UNMAP (fact sheet §3.4): whole areas only, never split or merged. */
class IoasUnmapTest {
    private final IommufdFixture f = IommufdFixture.create();
    private final int ioas = f.ioasAlloc();
    private final long buf = f.buffer(1 << 16);

    private Errno unmap(long iova, long length) {
        return f.errno(IommufdIoctl.IOMMU_IOAS_UNMAP, new IommuIoasUnmap(24, ioas, iova, length));
    }

    private int areas() {
        return f.ctx().ioas(ioas).iopt().areaCount();
    }

    @Test
    void unmapOfStraddlingAreaFailsWithEnoentAndKeepsEarlierRemovals() {
        f.map(ioas, FIXED_RW, buf, 0x1000, 0x10000);
        f.map(ioas, FIXED_RW, buf, 0x2000, 0x12000);
        assertEquals(Errno.ENOENT, unmap(0x10000, 0x3000));
        assertEquals(1, areas(), "the first area went, the straddling one stayed");
        assertEquals(0x2000, f.unmap(ioas, 0x12000, 0x2000));
    }

    @Test
    void adjacentMapsStayTwoAreasAndUnmapOfOneLeavesTheOther() {
        f.map(ioas, FIXED_RW, buf, 0x1000, 0x10000);
        f.map(ioas, FIXED_RW, buf, 0x1000, 0x11000);
        assertEquals(0x1000, f.unmap(ioas, 0x11000, 0x1000));
        assertEquals(1, areas());
    }

    @Test
    void partOfOneAreaIsEnoent() {
        f.map(ioas, FIXED_RW, buf, 0x4000, 0x10000);
        assertEquals(Errno.ENOENT, unmap(0x11000, 0x1000));
        assertEquals(1, areas());
    }

    @Test
    void rangeWithHolesRemovesTheContainedAreasAndReportsTheirBytes() {
        f.map(ioas, FIXED_RW, buf, 0x1000, 0x10000);
        f.map(ioas, FIXED_RW, buf, 0x3000, 0x20000);
        assertEquals(0x4000, f.unmap(ioas, 0x8000, 0x100000));
        assertEquals(0, areas());
    }

    @Test
    void emptyRangeIsEnoent() {
        assertEquals(Errno.ENOENT, unmap(0x10000, 0x1000));
    }

    @Test
    void zeroToU64MaxUnmapsAllAndSucceedsWhenEmpty() {
        assertEquals(0, f.unmap(ioas, 0, -1L));
        f.map(ioas, FIXED_RW, buf, 0x1000, 0x10000);
        f.map(ioas, FIXED_RW, buf, 0x2000, -0x100000L);
        assertEquals(0x3000, f.unmap(ioas, 0, -1L));
        assertEquals(0, areas());
    }

    @Test
    void argumentErrorsInOrder() {
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_IOAS_UNMAP, new IommuIoasUnmap(24, 77, 0, 0)));
        assertEquals(Errno.EOVERFLOW, unmap(-1L, 1));
        assertEquals(Errno.EOVERFLOW, unmap(1, -1L));
        assertEquals(Errno.EINVAL, unmap(0x1000, 0));
        assertEquals(Errno.EOVERFLOW, unmap(-0x1000L, 0x2000));
    }
}
