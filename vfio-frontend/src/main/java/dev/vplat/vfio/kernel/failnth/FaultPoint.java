package dev.vplat.vfio.kernel.failnth;

import dev.vplat.vfio.kernel.Errno;

/**
 * The named places where {@link FailNth} can make the host stack fail, each with the errno the
 * real operation fails with. They are the calls whose failure a caller must roll back: taking a
 * page from the host pool, pinning user pages, and the host IOMMU driver's hardware operations.
 */
public enum FaultPoint {
    /** HostPageAllocator.allocate / allocateContiguous: alloc_pages. */
    PAGE_ALLOC("host_page_alloc", Errno.ENOMEM),
    /** UserMemory.pin: pin_user_pages. */
    USER_PIN("pin_user_pages", Errno.ENOMEM),
    /** HostIommu.allocPagingDomain: domain_alloc_paging_flags. */
    DOMAIN_ALLOC("domain_alloc_paging", Errno.ENOMEM),
    /** HostIommu.attachDevice: attach_dev (context entry, STE or mock table switch). */
    ATTACH_DEV("attach_dev", Errno.ENOMEM),
    /** PagingDomain.map: iommu_map writing page-table entries. */
    DOMAIN_MAP("iommu_map", Errno.ENOMEM);

    private final String label;
    private final Errno errno;

    FaultPoint(String label, Errno errno) {
        this.label = label;
        this.errno = errno;
    }

    /** The kernel function the point stands for, as the injected error names it. */
    public String label() {
        return label;
    }

    public Errno errno() {
        return errno;
    }
}
