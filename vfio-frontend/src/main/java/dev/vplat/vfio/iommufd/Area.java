package dev.vplat.vfio.iommufd;

/**
 * One mapping of an io_pagetable (struct iopt_area): exactly what one MAP or COPY created,
 * never merged with a neighbour and never split. It maps [iova, iova+length) to bytes
 * [startByte, startByte+length) of its pages object.
 */
final class Area {
    final long iova;
    final long length;
    final IoPages pages;
    final long startByte;
    final int prot;
    /** Whether this area holds users on its pages for the io_pagetable's domains. */
    boolean domainPinned;
    /** Pins taken on this area by in-kernel accesses (area->num_accesses). */
    int numAccesses;

    Area(long iova, long length, IoPages pages, long startByte, int prot) {
        this.iova = iova;
        this.length = length;
        this.pages = pages;
        this.startByte = startByte;
        this.prot = prot;
    }

    long last() {
        return iova + length - 1;
    }

    long pageOffset() {
        return startByte % IoPages.PAGE_SIZE;
    }

    long firstPage() {
        return startByte / IoPages.PAGE_SIZE;
    }

    long lastPage() {
        return (startByte + length - 1) / IoPages.PAGE_SIZE;
    }

    /** Byte offset into the pages object of {@code at}, an IOVA inside this area. */
    long startByteAt(long at) {
        return startByte + (at - iova);
    }
}
