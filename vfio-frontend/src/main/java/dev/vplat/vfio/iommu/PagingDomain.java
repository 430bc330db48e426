package dev.vplat.vfio.iommu;

/**
 * An unmanaged paging domain (struct iommu_domain of type IOMMU_DOMAIN_UNMANAGED): an IOVA space
 * whose mappings the host IOMMU driver realizes in hardware — VT-d second-level tables in
 * emulated RAM with the invalidations each change needs, or the mock unit's table. iommufd and
 * VFIO map user pages into it; device DMA through the hardware model then lands in them.
 */
public interface PagingDomain extends IommuDomain {
    int PROT_READ = 1;
    int PROT_WRITE = 2;

    /** UNMANAGED for user domains; a DMA-API default domain that translates reports DMA. */
    @Override
    default DomainType type() {
        return DomainType.UNMANAGED;
    }

    /** Which host driver realizes it: "intel-iommu", "mock", "arm-smmu-v3". */
    String driverName();

    /** Supported page sizes (struct iommu_domain.pgsize_bitmap); the smallest sets IOVA alignment. */
    long pageSizeBitmap();

    /** First and last IOVA the domain can translate (iommu_domain_geometry). */
    long apertureStart();

    long apertureEnd();

    /**
     * Maps [iova, iova+length) to guest-physical [gpa, gpa+length). Both aligned to the smallest
     * page size. Fails with ErrnoException (EEXIST if any part is mapped, EINVAL outside the
     * aperture, ENOMEM if the driver cannot allocate table pages), leaving nothing mapped.
     */
    void map(long iova, long gpa, long length, int prot);

    /** Unmaps what is mapped in the range and returns the number of bytes unmapped. */
    long unmap(long iova, long length);

    /** The guest-physical address {@code iova} maps to, or -1 (iommu_iova_to_phys). */
    long iovaToPhys(long iova);

    default boolean supportsDirtyTracking() {
        return false;
    }

    /** Starts or stops dirty tracking in hardware (set_dirty_tracking). */
    default void setDirtyTracking(boolean enable) {
        throw new UnsupportedOperationException("dirty tracking not supported by " + driverName());
    }

    /**
     * Reports each dirty page of [iova, iova+length) to {@code sink} (page IOVA), clearing the
     * hardware dirty bit unless {@code noClear}.
     */
    default void readAndClearDirty(long iova, long length, boolean noClear, java.util.function.LongConsumer sink) {
        throw new UnsupportedOperationException("dirty tracking not supported by " + driverName());
    }

    /** Releases the domain's hardware resources; it must be attached to no device. */
    void free();
}
