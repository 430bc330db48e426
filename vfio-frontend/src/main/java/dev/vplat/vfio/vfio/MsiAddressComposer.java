package dev.vplat.vfio.vfio;

/**
 * The address a device must write for an MSI to reach the interrupt controller's doorbell, as
 * iommu_dma_compose_msi_msg rewrites it: the doorbell itself, or its IOVA when the device's DMA
 * is translated by a domain that maps the doorbell page.
 */
@FunctionalInterface
interface MsiAddressComposer {
    long deviceAddress(long doorbell);
}
