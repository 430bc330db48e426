package dev.vplat.platform.memory;

/**
 * The one memory interface every access goes through: CPU-side MMIO and RAM accesses, device
 * DMA after translation, IOMMU table walks, and the host stack writing page tables. All values
 * are little-endian.
 */
public interface GuestMemory {
    /** A single access of 1, 2, 4 or 8 bytes, with MMIO semantics where the address is MMIO. */
    long read(long addr, int size);

    void write(long addr, int size, long value);

    /**
     * Copies a byte range out. Returns false when any part was not backed by a region; those
     * bytes read as all-ones.
     */
    boolean read(long addr, byte[] dst, int offset, int length);

    /** Copies a byte range in. Returns false when any part was not backed by a region (dropped). */
    boolean write(long addr, byte[] src, int offset, int length);

    /**
     * Reads RAM only, for structures hardware fetches from memory (page tables, descriptors).
     *
     * @throws MemoryAccessException when any byte is not RAM
     */
    long readRam(long addr, int size);

    /** Writes RAM only (status writes, page-table updates); throws when any byte is not RAM. */
    void writeRam(long addr, int size, long value);

    /** Whether every byte of [addr, addr+length) is RAM. */
    boolean isRam(long addr, long length);

    default long read64(long addr) {
        return read(addr, 8);
    }

    default long read32(long addr) {
        return read(addr, 4);
    }

    default void write64(long addr, long value) {
        write(addr, 8, value);
    }

    default void write32(long addr, long value) {
        write(addr, 4, value);
    }
}
