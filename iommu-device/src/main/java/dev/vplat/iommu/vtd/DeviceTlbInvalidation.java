package dev.vplat.iommu.vtd;

/**
 * Where device-TLB (ATS) invalidations go: the endpoints' address-translation caches. The PCI
 * layer may install one; without it a device-TLB invalidation completes at once. The result
 * lets the model raise the invalidation time-out (ITE) and completion (ICE) errors of spec
 * §6.5.2.10 when an endpoint does not answer or answers wrongly.
 */
@FunctionalInterface
public interface DeviceTlbInvalidation {
    enum Result { DONE, TIMEOUT, INVALID_COMPLETION }

    /**
     * @param pasid PASID of a PASID-based device-TLB invalidation, or -1
     * @param size  bytes invalidated from {@code address}
     */
    Result invalidate(int sourceId, int pasid, long address, long size);

    DeviceTlbInvalidation NONE = (sid, pasid, address, size) -> Result.DONE;
}
