package dev.vplat.pci.dma;

/**
 * Result of translating one DMA access: either the output address of {@code iova} together with
 * how many bytes from it are contiguous in the output space (to the end of the mapped page), or
 * a fault. A translator has already logged the fault in its own way (VT-d fault records, SMMU
 * events) before returning it.
 */
public record Translation(DmaStatus status, long address, long contiguous) {
    private static final Translation TRANSLATION_FAULT = new Translation(DmaStatus.TRANSLATION_FAULT, 0, 0);
    private static final Translation PERMISSION_FAULT = new Translation(DmaStatus.PERMISSION_FAULT, 0, 0);

    public static Translation ok(long address, long contiguous) {
        return new Translation(DmaStatus.OK, address, contiguous);
    }

    /** Identity mapping up to the end of the 4 KiB page, used when no IOMMU claims the requester. */
    public static Translation identity(long iova) {
        return new Translation(DmaStatus.OK, iova, 4096 - (iova & 4095));
    }

    public static Translation translationFault() {
        return TRANSLATION_FAULT;
    }

    public static Translation permissionFault() {
        return PERMISSION_FAULT;
    }

    public boolean ok() {
        return status == DmaStatus.OK;
    }
}
