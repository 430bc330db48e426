package dev.vplat.pci.dma;

import dev.vplat.pci.RequesterId;

/**
 * The IOMMU hook: an IOMMU unit claims the requester IDs in its scope and translates every DMA
 * they issue. A DmaPort calls it once per page (or per mapped block) of a transfer, never per
 * byte.
 */
public interface DmaTranslator {
    /** PASID value meaning "request without PASID". */
    int NO_PASID = -1;

    /**
     * Translates the access at {@code iova}.
     *
     * @param pasid the PASID of the request, or {@link #NO_PASID}
     */
    Translation translate(RequesterId rid, int pasid, long iova, DmaDirection direction);
}
