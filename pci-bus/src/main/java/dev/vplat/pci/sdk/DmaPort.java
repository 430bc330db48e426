package dev.vplat.pci.sdk;

import dev.vplat.pci.dma.DmaResult;

/**
 * The function's bus-master interface. Addresses are IOVAs (bus addresses): an IOMMU claiming
 * this function's requester ID translates them, otherwise they reach system memory unchanged.
 * A transfer is split at page and translation boundaries and stops at the first failing part;
 * with Command.BME clear nothing moves ({@code BUS_MASTER_DISABLED}), reads then fill the
 * buffer with zeros, and every failure leaves the unread rest of a read buffer zeroed.
 */
public interface DmaPort {
    /** PASID value meaning "request without PASID". */
    int NO_PASID = -1;

    DmaResult read(long iova, int pasid, byte[] dst, int offset, int length);

    DmaResult write(long iova, int pasid, byte[] src, int offset, int length);

    default DmaResult read(long iova, byte[] dst, int offset, int length) {
        return read(iova, NO_PASID, dst, offset, length);
    }

    default DmaResult write(long iova, byte[] src, int offset, int length) {
        return write(iova, NO_PASID, src, offset, length);
    }
}
