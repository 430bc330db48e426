package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdTestStructs;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * The selftest's mock paging domain (selftest.c mock_iommu_domain): 2 KiB IO pages, aperture
 * [1<<24, (1<<31)-1], a table of IO page → physical address, and optional dirty tracking with
 * a dirty bit per IO page. Used for IOMMU_TEST_OP_MOCK_DOMAIN when no hardware mock unit is
 * wired in.
 */
public final class MockPagingDomain implements PagingDomain {
    static final long PAGE = IommufdTestStructs.MOCK_IO_PAGE_SIZE;

    private final Object unit;
    private final boolean dirtyOps;
    private final Map<Long, Long> pfns = new HashMap<>();
    private final Set<Long> dirty = new HashSet<>();
    private boolean tracking;
    private boolean freed;

    MockPagingDomain(Object unit, boolean dirtyOps) {
        this.unit = unit;
        this.dirtyOps = dirtyOps;
    }

    Object unit() {
        return unit;
    }

    /** The mock unit is the selftest's own, not a host IOMMU of the IOMMU core: no core unit owns it. */
    @Override
    public dev.vplat.vfio.iommu.HostIommu iommu() {
        return null;
    }

    @Override
    public String driverName() {
        return "mock";
    }

    @Override
    public long pageSizeBitmap() {
        return PAGE;
    }

    @Override
    public long apertureStart() {
        return IommufdTestStructs.MOCK_APERTURE_START;
    }

    @Override
    public long apertureEnd() {
        return IommufdTestStructs.MOCK_APERTURE_LAST;
    }

    @Override
    public void map(long iova, long gpa, long length, int prot) {
        if (iova % PAGE != 0 || gpa % PAGE != 0 || length % PAGE != 0) {
            throw fail(Errno.EINVAL, "mock map not aligned to 2 KiB");
        }
        if (iova < apertureStart() || iova + length - 1 > apertureEnd()) {
            throw fail(Errno.EINVAL, "mock map outside the aperture");
        }
        for (long off = 0; off < length; off += PAGE) {
            if (pfns.containsKey((iova + off) / PAGE)) {
                throw fail(Errno.EEXIST, "mock IOVA 0x" + Long.toHexString(iova + off) + " already mapped");
            }
        }
        for (long off = 0; off < length; off += PAGE) {
            pfns.put((iova + off) / PAGE, gpa + off);
        }
    }

    @Override
    public long unmap(long iova, long length) {
        long n = 0;
        for (long off = 0; off < length; off += PAGE) {
            if (pfns.remove((iova + off) / PAGE) != null) {
                dirty.remove((iova + off) / PAGE);
                n += PAGE;
            }
        }
        return n;
    }

    @Override
    public long iovaToPhys(long iova) {
        Long pa = pfns.get(iova / PAGE);
        return pa == null ? -1 : pa + iova % PAGE;
    }

    @Override
    public boolean supportsDirtyTracking() {
        return dirtyOps;
    }

    @Override
    public void setDirtyTracking(boolean enable) {
        tracking = enable;
    }

    boolean tracking() {
        return tracking;
    }

    /** IOMMU_TEST_OP_DIRTY: marks the mapped IO pages of [iova, iova+length) dirty; returns how many. */
    int markDirty(long iova, long length) {
        int n = 0;
        for (long off = 0; off < length; off += PAGE) {
            long index = (iova + off) / PAGE;
            if (pfns.containsKey(index)) {
                dirty.add(index);
                n++;
            }
        }
        return n;
    }

    /** mock_domain_read_and_clear_dirty: EINVAL unless tracking is on. */
    @Override
    public void readAndClearDirty(long iova, long length, boolean noClear, LongConsumer sink) {
        if (!tracking) {
            throw fail(Errno.EINVAL, "mock dirty tracking is off");
        }
        for (long p = iova - iova % PAGE; p < iova + length; p += PAGE) {
            if (dirty.contains(p / PAGE)) {
                sink.accept(p);
                if (!noClear) {
                    dirty.remove(p / PAGE);
                }
            }
        }
    }

    public int mappedPages() {
        return pfns.size();
    }

    @Override
    public void free() {
        if (freed) {
            throw new IllegalStateException("mock domain freed twice");
        }
        if (!pfns.isEmpty()) {
            throw new IllegalStateException("mock domain freed with " + pfns.size() + " IO pages mapped");
        }
        freed = true;
    }
}
