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

    /**
     * Reads {@code length} bytes at {@code iova} into {@code dst[offset..]} (a memory read
     * request issued by the device).
     *
     * @param pasid the PASID to tag the request with, or {@link #NO_PASID}; it is sent only while
     *     the driver has enabled the function's PASID capability
     * @return OK with {@code length} bytes, or the failure with the faulting IOVA and the bytes
     *     that arrived before it
     */
    DmaResult read(long iova, int pasid, byte[] dst, int offset, int length);

    /** Writes {@code length} bytes from {@code src[offset..]} to {@code iova}; see {@link #read(long, int, byte[], int, int)}. */
    DmaResult write(long iova, int pasid, byte[] src, int offset, int length);

    /** A read without PASID. */
    default DmaResult read(long iova, byte[] dst, int offset, int length) {
        return read(iova, NO_PASID, dst, offset, length);
    }

    /** A write without PASID. */
    default DmaResult write(long iova, byte[] src, int offset, int length) {
        return write(iova, NO_PASID, src, offset, length);
    }

    /** Fills all of {@code dst} from {@code iova}, without PASID. */
    default DmaResult read(long iova, byte[] dst) {
        return read(iova, NO_PASID, dst, 0, dst.length);
    }

    /** Writes all of {@code src} to {@code iova}, without PASID. */
    default DmaResult write(long iova, byte[] src) {
        return write(iova, NO_PASID, src, 0, src.length);
    }
}
