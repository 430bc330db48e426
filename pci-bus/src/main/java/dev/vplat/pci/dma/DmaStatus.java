package dev.vplat.pci.dma;

/** How a DMA transfer ended, as the device sees it. Anything but OK is an aborted transfer. */
public enum DmaStatus {
    OK,
    /** Command.BME is clear: the function may not master the bus. */
    BUS_MASTER_DISABLED,
    /** The IOMMU found no translation (and recorded a fault where its tables say so). */
    TRANSLATION_FAULT,
    /** A translation exists but does not permit this direction. */
    PERMISSION_FAULT,
    /** The translated address is not backed by memory (unsupported request). */
    DECODE_ERROR;

    public boolean ok() {
        return this == OK;
    }
}
