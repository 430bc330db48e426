package dev.vplat.platform.memory;

/** A window of {@link GuestRam}: {@code size} bytes starting at {@code ramOffset} of the RAM block. */
public final class RamRegion extends MemoryRegion {
    private final GuestRam ram;
    private final long ramOffset;

    public RamRegion(String name, GuestRam ram, long ramOffset, long size) {
        super(name, size);
        if (ramOffset < 0 || ramOffset > ram.size() - size) {
            throw new IllegalArgumentException("region " + name + " does not fit in RAM");
        }
        this.ram = ram;
        this.ramOffset = ramOffset;
    }

    public GuestRam ram() {
        return ram;
    }

    public long ramOffset() {
        return ramOffset;
    }
}
