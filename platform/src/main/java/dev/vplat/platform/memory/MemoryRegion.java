package dev.vplat.platform.memory;

/**
 * A node of the memory tree, after QEMU's MemoryRegion: RAM, MMIO, an alias into another region,
 * or a container of prioritised subregions. Regions are placed with {@link ContainerRegion#add};
 * an {@link AddressSpace} flattens the tree into non-overlapping ranges for lookup.
 */
public abstract sealed class MemoryRegion permits RamRegion, MmioRegion, AliasRegion, ContainerRegion {
    private final String name;
    private final long size;

    protected MemoryRegion(String name, long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("region " + name + " must have a positive size");
        }
        this.name = name;
        this.size = size;
    }

    public final String name() {
        return name;
    }

    public final long size() {
        return size;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", 0x" + Long.toHexString(size) + ")";
    }
}
