package dev.vplat.iommu.smmuv3;

/**
 * A VMSAv8-64 translation table walk (Arm ARM D8.3, as IHI 0070 §3.4 uses it) for one stage.
 * The walk reads at most one descriptor per level and levels only go down, so any table graph —
 * including tables that point at themselves — ends in at most four reads with a leaf or a fault.
 */
final class PageTableWalker {
    static final long AF = 1L << 10;
    static final long NON_GLOBAL = 1L << 11;
    private static final long AP_TABLE_NO_UNPRIVILEGED = 1L << 61;
    private static final long AP_TABLE_READ_ONLY = 1L << 62;

    /** Reads the descriptor at a table address of the walk's input space (an IPA when nested). */
    @FunctionalInterface
    interface DescriptorReader {
        long read(long address) throws WalkFault;
    }

    /** A walk that ended without a leaf: the fault type and, for external aborts, the fetch PA. */
    static final class WalkFault extends Exception {
        final EventType type;
        final long fetchAddr;

        WalkFault(EventType type, long fetchAddr) {
            super(type.name(), null, false, false);
            this.type = type;
            this.fetchAddr = fetchAddr;
        }
    }

    /**
     * A leaf: output block base and size, and the permission bits that apply.
     *
     * @param descriptor the leaf descriptor, for its attribute bits
     * @param noUnprivileged APTable[0] seen on the way (stage 1, unless HAD)
     * @param readOnly       APTable[1] seen on the way
     */
    record Leaf(long outputBase, int shift, long descriptor, boolean noUnprivileged, boolean readOnly) {
        long outputAddress(long input) {
            return outputBase | (input & ((1L << shift) - 1));
        }
    }

    private PageTableWalker() {
    }

    static Leaf walk(WalkConfig c, long input, DescriptorReader reader) throws WalkFault {
        Granule g = c.granule();
        long table = c.ttb();
        boolean noUnpriv = false;
        boolean readOnly = false;
        for (int level = c.startLevel(); level <= 3; level++) {
            int shift = g.levelShift(level);
            int bits = level == c.startLevel() ? c.startLevelBits() : g.stride();
            long index = (input >>> shift) & ((1L << bits) - 1);
            long d = reader.read(table + index * 8);
            if ((d & 1) == 0) {
                throw new WalkFault(EventType.F_TRANSLATION, 0);
            }
            boolean tableOrPage = (d & 2) != 0;
            if (level < 3 && tableOrPage) {
                long next = d & addressBits(g.pageShift());
                if (next >>> c.outputBits() != 0) {
                    throw new WalkFault(EventType.F_ADDR_SIZE, 0);
                }
                if (!c.stage2() && !c.hierarchicalAttributesDisabled()) {
                    noUnpriv |= (d & AP_TABLE_NO_UNPRIVILEGED) != 0;
                    readOnly |= (d & AP_TABLE_READ_ONLY) != 0;
                }
                table = next;
                continue;
            }
            if (level < 3 ? !g.blockAllowed(level) : !tableOrPage) {
                throw new WalkFault(EventType.F_TRANSLATION, 0);
            }
            long oa = d & addressBits(shift);
            if (oa >>> c.outputBits() != 0) {
                throw new WalkFault(EventType.F_ADDR_SIZE, 0);
            }
            if ((d & AF) == 0 && !c.accessFlagFaultsDisabled()) {
                throw new WalkFault(EventType.F_ACCESS, 0);
            }
            return new Leaf(oa, shift, d, noUnpriv, readOnly);
        }
        throw new IllegalStateException("walk passed level 3");
    }

    /**
     * Descriptor address bits [51:lowBit]: bits [51:48] are RES0 without 52-bit addressing, so
     * keeping them makes a descriptor that sets them fail the output-size check, as an address
     * size fault.
     */
    private static long addressBits(int lowBit) {
        return 0x000F_FFFF_FFFF_FFFFL & -(1L << lowBit);
    }

    /** Stage 1 data access permission (AP[2:1], §D8.4.1); EL2 regimes have no unprivileged level. */
    static boolean stage1Permits(Leaf leaf, boolean write, boolean privileged, boolean el2) {
        long ap = leaf.descriptor() >>> 6 & 3;
        boolean writable = (ap & 2) == 0 && !leaf.readOnly();
        boolean unprivileged = !el2 && !privileged;
        if (unprivileged && ((ap & 1) == 0 || leaf.noUnprivileged())) {
            return false;
        }
        return !write || writable;
    }

    /** Stage 2 S2AP: bit 6 read, bit 7 write. */
    static boolean stage2Permits(Leaf leaf, boolean write) {
        return (leaf.descriptor() >>> (write ? 7 : 6) & 1) != 0;
    }
}
