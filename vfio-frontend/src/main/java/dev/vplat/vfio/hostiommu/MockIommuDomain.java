package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.mock.MockDomain;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.mock.MockIommuException;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.util.function.LongConsumer;

/**
 * A translating domain of the mock unit as its host driver holds it (drivers/iommu/iommufd/
 * selftest.c struct mock_iommu_domain): the unit's {@link MockDomain} page table, which device DMA
 * through the mock really walks, plus what belongs to the driver rather than the hardware —
 * whether the domain was allocated with dirty tracking ({@code domain->dirty_ops}). Geometry as
 * mock_domain_alloc_paging sets it: pgsize_bitmap = MOCK_IO_PAGE_SIZE (2 KiB), aperture
 * [MOCK_APERTURE_START, MOCK_APERTURE_LAST].
 */
public final class MockIommuDomain extends DriverDomain {
    private static final long PAGE = MockIommu.PAGE_SIZE;

    private final MockDomain hardware;
    private final boolean dirtyOps;
    private boolean freed;

    MockIommuDomain(MockHostDriver driver, DomainType type, MockDomain hardware, boolean dirtyOps) {
        super(driver, type);
        this.hardware = hardware;
        this.dirtyOps = dirtyOps;
    }

    /** The unit's page table this domain programs. */
    public MockDomain hardware() {
        return hardware;
    }

    @Override
    public long pageSizeBitmap() {
        return PAGE;
    }

    @Override
    public long apertureStart() {
        return MockIommu.APERTURE_START;
    }

    @Override
    public long apertureEnd() {
        return MockIommu.APERTURE_LAST;
    }

    /** mock_domain_map_pages; the table refuses misalignment and the outside of the aperture (EINVAL) and overlap (EEXIST). */
    @Override
    public void map(long iova, long gpa, long length, int prot) {
        int perms = ((prot & PROT_READ) != 0 ? MockDomain.PERM_READ : 0) | ((prot & PROT_WRITE) != 0 ? MockDomain.PERM_WRITE : 0);
        FailNth.point(FaultPoint.DOMAIN_MAP);
        try {
            hardware.map(iova, gpa, length, perms);
        } catch (MockIommuException e) {
            throw errno(e);
        }
    }

    @Override
    public long unmap(long iova, long length) {
        try {
            return hardware.unmap(iova, length);
        } catch (MockIommuException e) {
            throw errno(e);
        }
    }

    @Override
    public long iovaToPhys(long iova) {
        return hardware.lookup(iova);
    }

    @Override
    public boolean supportsDirtyTracking() {
        return dirtyOps;
    }

    /** mock_domain_set_dirty_tracking: EINVAL when enabling on a domain allocated without dirty ops. */
    @Override
    public void setDirtyTracking(boolean enable) {
        if (enable && !dirtyOps) {
            throw new ErrnoException(Errno.EINVAL, this + " was allocated without dirty tracking");
        }
        hardware.setDirtyTracking(enable);
    }

    /** Whether the unit is tracking dirty pages in this domain now. */
    public boolean dirtyTracking() {
        return hardware.dirtyTracking();
    }

    /**
     * mock_domain_read_and_clear_dirty: EINVAL while tracking is off; reports every dirty mock page
     * the range touches (the range is widened to whole 2 KiB pages).
     */
    @Override
    public void readAndClearDirty(long iova, long length, boolean noClear, LongConsumer sink) {
        if (!hardware.dirtyTracking()) {
            throw new ErrnoException(Errno.EINVAL, this + ": dirty tracking is off");
        }
        long first = iova & -PAGE;
        long end = (iova + length + PAGE - 1) & -PAGE;
        try {
            hardware.readDirty(first, end - first, !noClear).forEach(sink::accept);
        } catch (MockIommuException e) {
            throw errno(e);
        }
    }

    /**
     * Sets the dirty bit of every mapped mock page of [iova, iova+length), as IOMMU_TEST_OP_DIRTY
     * does in place of device writes; returns how many pages were marked.
     */
    public int markDirty(long iova, long length) {
        int marked = 0;
        for (long p = iova & -PAGE; p < iova + length; p += PAGE) {
            if (hardware.lookup(p) != -1) {
                hardware.markDirty(p);
                marked++;
            }
        }
        return marked;
    }

    /** mock_domain_free: the domain must be detached and empty (the kernel WARNs otherwise). */
    @Override
    public void free() {
        if (freed) {
            throw new IllegalStateException(this + " freed twice");
        }
        requireDetached();
        if (hardware.mappedBytes() != 0) {
            throw new IllegalStateException(this + " freed with " + hardware.mappedBytes() / PAGE + " IO pages mapped");
        }
        freed = true;
    }

    private static ErrnoException errno(MockIommuException e) {
        return new ErrnoException(Errno.of(e.errno()), e.getMessage());
    }

    @Override
    public String toString() {
        return type().wireName() + " domain " + hardware.id() + " of " + iommu().unitId();
    }
}
