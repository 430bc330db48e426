package dev.vplat.iommu.mock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A paging domain of the mock IOMMU: a Java-side page table of 2 KiB pages, programmed
 * directly by the host driver (there is no guest-visible table format). Each page has read and
 * write permission and a dirty bit that DMA writes set while dirty tracking is on, like the
 * iommufd selftest's mock domain (drivers/iommu/iommufd/selftest.c, MOCK_PFN_DIRTY_IOVA).
 */
public final class MockDomain {
    public static final int PERM_READ = 1;
    public static final int PERM_WRITE = 2;
    private static final long DIRTY = 1L << 2;
    private static final long FLAGS = 7;

    private final int id;
    /** Page number (iova / 2 KiB) → physical address | perms | dirty. */
    private final TreeMap<Long, Long> pages = new TreeMap<>();
    private boolean dirtyTracking;

    MockDomain(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    /**
     * Maps [iova, iova+length) to [pa, pa+length) with {@code perms}. Everything must be 2 KiB
     * aligned and inside the aperture, and no page of the range may be mapped already.
     */
    public void map(long iova, long pa, long length, int perms) {
        checkRange(iova, length);
        if ((pa & (MockIommu.PAGE_SIZE - 1)) != 0 || pa < 0) {
            throw new MockIommuException(MockIommuException.EINVAL, "physical address not 2 KiB aligned");
        }
        if ((perms & ~(PERM_READ | PERM_WRITE)) != 0 || perms == 0) {
            throw new MockIommuException(MockIommuException.EINVAL, "permissions must be read and/or write");
        }
        long first = iova / MockIommu.PAGE_SIZE;
        long count = length / MockIommu.PAGE_SIZE;
        if (!pages.subMap(first, first + count).isEmpty()) {
            throw new MockIommuException(MockIommuException.EEXIST, "range already mapped");
        }
        for (long i = 0; i < count; i++) {
            pages.put(first + i, pa + i * MockIommu.PAGE_SIZE | perms);
        }
    }

    /** Unmaps every mapped page in the range; returns the bytes unmapped (0 if none was mapped). */
    public long unmap(long iova, long length) {
        checkRange(iova, length);
        long first = iova / MockIommu.PAGE_SIZE;
        Map<Long, Long> range = pages.subMap(first, first + length / MockIommu.PAGE_SIZE);
        long bytes = (long) range.size() * MockIommu.PAGE_SIZE;
        range.clear();
        return bytes;
    }

    /** The physical address {@code iova} maps to, or -1 (iommu_iova_to_phys). */
    public long lookup(long iova) {
        Long e = pages.get(Math.floorDiv(iova, MockIommu.PAGE_SIZE));
        return e == null ? -1 : (e & ~FLAGS) + (iova & (MockIommu.PAGE_SIZE - 1));
    }

    /** Permissions of the page holding {@code iova}, 0 when unmapped. */
    public int permissions(long iova) {
        Long e = pages.get(Math.floorDiv(iova, MockIommu.PAGE_SIZE));
        return e == null ? 0 : (int) (e & (PERM_READ | PERM_WRITE));
    }

    public long mappedBytes() {
        return (long) pages.size() * MockIommu.PAGE_SIZE;
    }

    public void setDirtyTracking(boolean on) {
        dirtyTracking = on;
    }

    public boolean dirtyTracking() {
        return dirtyTracking;
    }

    /**
     * IOVAs of dirty pages in the range, in order; with {@code clear} their dirty bits are reset
     * (IOMMU_HWPT_GET_DIRTY_BITMAP without IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR).
     */
    public List<Long> readDirty(long iova, long length, boolean clear) {
        checkRange(iova, length);
        long first = iova / MockIommu.PAGE_SIZE;
        List<Long> dirty = new ArrayList<>();
        for (Map.Entry<Long, Long> e : pages.subMap(first, first + length / MockIommu.PAGE_SIZE).entrySet()) {
            if ((e.getValue() & DIRTY) != 0) {
                dirty.add(e.getKey() * MockIommu.PAGE_SIZE);
                if (clear) {
                    e.setValue(e.getValue() & ~DIRTY);
                }
            }
        }
        return dirty;
    }

    /** Sets the dirty bit of a mapped page, as the selftest's IOMMU_TEST_OP_DIRTY does. */
    public void markDirty(long iova) {
        long page = Math.floorDiv(iova, MockIommu.PAGE_SIZE);
        Long e = pages.get(page);
        if (e == null) {
            throw new MockIommuException(MockIommuException.ENOENT, "page not mapped");
        }
        pages.put(page, e | DIRTY);
    }

    /** Translation of one access; -1 when unmapped, -2 when the permission is missing. */
    long translate(long iova, boolean write) {
        long page = Math.floorDiv(iova, MockIommu.PAGE_SIZE);
        Long e = pages.get(page);
        if (e == null) {
            return -1;
        }
        int need = write ? PERM_WRITE : PERM_READ;
        if ((e & need) == 0) {
            return -2;
        }
        if (write && dirtyTracking && (e & DIRTY) == 0) {
            pages.put(page, e | DIRTY);
        }
        return (e & ~FLAGS) + (iova & (MockIommu.PAGE_SIZE - 1));
    }

    private static void checkRange(long iova, long length) {
        long mask = MockIommu.PAGE_SIZE - 1;
        if ((iova & mask) != 0 || (length & mask) != 0 || length <= 0) {
            throw new MockIommuException(MockIommuException.EINVAL, "IOVA and length must be 2 KiB aligned and non-empty");
        }
        if (iova < MockIommu.APERTURE_START || iova + length - 1 > MockIommu.APERTURE_LAST || iova + length - 1 < iova) {
            throw new MockIommuException(MockIommuException.EINVAL, "range outside the aperture [16 MiB, 2 GiB)");
        }
    }
}
