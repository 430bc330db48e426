package dev.vplat.guest.pci;

/**
 * Hands out BAR addresses from two windows, bump-pointer style, the way simple firmware (and
 * libqos's {@code qpci_iomap}) does: each BAR is naturally aligned to its size. Defaults match a
 * q35 guest: MMIO from 0xC000_0000 up to the IOAPIC at 0xFEC0_0000, I/O ports 0xC000..0xFFFF.
 */
public final class ResourceAllocator {
    public static final long DEFAULT_MMIO_BASE = 0xC000_0000L, DEFAULT_MMIO_LIMIT = 0xFEBF_FFFFL;
    public static final long DEFAULT_IO_BASE = 0xC000, DEFAULT_IO_LIMIT = 0xFFFF;

    private final long mmioLimit;
    private final long ioLimit;
    private long mmioNext;
    private long ioNext;

    public ResourceAllocator(long mmioBase, long mmioLimit, long ioBase, long ioLimit) {
        this.mmioNext = mmioBase;
        this.mmioLimit = mmioLimit;
        this.ioNext = ioBase;
        this.ioLimit = ioLimit;
    }

    public static ResourceAllocator q35() {
        return new ResourceAllocator(DEFAULT_MMIO_BASE, DEFAULT_MMIO_LIMIT, DEFAULT_IO_BASE, DEFAULT_IO_LIMIT);
    }

    /** An MMIO range of {@code size} (a power of two) aligned to its size. */
    public long allocateMmio(long size) {
        long a = alignUp(mmioNext, size);
        if (a + size - 1 > mmioLimit) {
            throw new IllegalStateException(String.format("MMIO window exhausted: 0x%x bytes at 0x%x", size, a));
        }
        mmioNext = a + size;
        return a;
    }

    /** An I/O port range of {@code size} aligned to its size. */
    public long allocateIo(long size) {
        long a = alignUp(ioNext, size);
        if (a + size - 1 > ioLimit) {
            throw new IllegalStateException(String.format("I/O window exhausted: 0x%x ports at 0x%x", size, a));
        }
        ioNext = a + size;
        return a;
    }

    /** Moves the MMIO cursor to a multiple of {@code alignment}: a bridge window starts there. */
    public long alignMmio(long alignment) {
        mmioNext = alignUp(mmioNext, alignment);
        return mmioNext;
    }

    public long alignIo(long alignment) {
        ioNext = alignUp(ioNext, alignment);
        return ioNext;
    }

    public long nextMmio() {
        return mmioNext;
    }

    public long nextIo() {
        return ioNext;
    }

    static long alignUp(long v, long alignment) {
        return (v + alignment - 1) & -alignment;
    }
}
