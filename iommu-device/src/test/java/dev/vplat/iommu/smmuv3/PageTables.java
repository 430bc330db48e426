package dev.vplat.iommu.smmuv3;

/**
 * Builds VMSAv8-64 tables in the test machine's RAM: {@link #map} creates the table
 * descriptors down to the requested level and writes a block or page descriptor there.
 */
final class PageTables {
    static final long AF = 1L << 10;
    static final long AP_UNPRIV = 1L << 6;
    static final long AP_RDONLY = 1L << 7;
    static final long S2AP_R = 1L << 6;
    static final long S2AP_W = 1L << 7;
    static final long S1_RW = AF | AP_UNPRIV | 1L << 11;
    static final long S2_RW = AF | S2AP_R | S2AP_W;

    private final SmmuTestBed bed;
    private final Granule g;
    private final int inputBits;
    private final int startLevel;
    private final long root;

    PageTables(SmmuTestBed bed, Granule g, int inputBits, int startLevel) {
        this.bed = bed;
        this.g = g;
        this.inputBits = inputBits;
        this.startLevel = startLevel;
        long bytes = 8L << (inputBits - g.levelShift(startLevel));
        this.root = bed.alloc(Math.max(bytes, 64), Math.max(bytes, 64));
    }

    PageTables(SmmuTestBed bed, Granule g, int inputBits) {
        this(bed, g, inputBits, g.startLevel(inputBits));
    }

    long root() {
        return root;
    }

    /** Maps the block or page of {@code level} holding {@code in} to {@code out}. */
    void map(long in, long out, int level, long attrs) {
        writeLeaf(descriptorAddress(in, level), out | attrs | (level == 3 ? 3 : 1));
    }

    /** Address of the descriptor for {@code in} at {@code level}, creating tables above it. */
    long descriptorAddress(long in, int level) {
        long table = root;
        for (int l = startLevel; ; l++) {
            int bits = l == startLevel ? inputBits - g.levelShift(l) : g.stride();
            long slot = table + ((in >>> g.levelShift(l)) & ((1L << bits) - 1)) * 8;
            if (l == level) {
                return slot;
            }
            long d = bed.word(slot);
            if ((d & 3) != 3) {
                long next = bed.alloc(g.pageSize(), g.pageSize());
                d = next | 3;
                bed.writeWords(slot, d);
            }
            table = d & 0x0000_FFFF_FFFF_F000L & -g.pageSize();
        }
    }

    void writeLeaf(long slot, long descriptor) {
        bed.writeWords(slot, descriptor);
    }
}
