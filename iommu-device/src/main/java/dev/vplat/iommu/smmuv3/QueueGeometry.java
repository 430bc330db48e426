package dev.vplat.iommu.smmuv3;

/**
 * Where a circular queue lives and how its PROD/CONS values wrap (IHI 0070 §3.5, §6.3.26–6.3.28):
 * the low LOG2SIZE bits of an index register are the slot, the next bit is the wrap flag. The
 * queue is empty when both match and full when only the wrap flags differ.
 */
record QueueGeometry(long base, int log2Size, int entryBytes) {
    private static final long ADDR_MASK = 0x00FF_FFFF_FFFF_FFE0L;

    /** Decodes a *Q_BASE value; LOG2SIZE above the ID-register maximum is used as the maximum. */
    static QueueGeometry of(long baseRegister, int maxLog2Size, int entryBytes) {
        int log2 = (int) Math.min(baseRegister & 0x1F, maxLog2Size);
        long bytes = (long) entryBytes << log2;
        long align = Math.max(bytes, 32);
        return new QueueGeometry(baseRegister & ADDR_MASK & ~(align - 1), log2, entryBytes);
    }

    long indexMask() {
        return (1L << log2Size) - 1;
    }

    /** Slot and wrap bits together. */
    long pointerMask() {
        return (2L << log2Size) - 1;
    }

    long slot(long pointer) {
        return pointer & indexMask();
    }

    boolean empty(long prod, long cons) {
        return ((prod ^ cons) & pointerMask()) == 0;
    }

    boolean full(long prod, long cons) {
        return ((prod ^ cons) & pointerMask()) == 1L << log2Size;
    }

    long next(long pointer) {
        return (pointer + 1) & pointerMask();
    }

    long slotAddress(long pointer) {
        return base + slot(pointer) * entryBytes;
    }
}
