package dev.vplat.platform.memory;

/**
 * The device side of an MMIO or port-I/O region. Offsets are relative to the region; sizes are
 * those the region's {@link AccessRules} admit, so an implementation never sees an access it has
 * not declared valid.
 */
public interface MmioOps {
    long read(long offset, int size);

    void write(long offset, int size, long value);

    /**
     * Whether this implementation writes its own trace lines (a register bank names registers),
     * so the address space does not add a second, offset-only line for the same access.
     */
    default boolean tracesAccesses() {
        return false;
    }
}
