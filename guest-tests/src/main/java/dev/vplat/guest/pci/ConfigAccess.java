package dev.vplat.guest.pci;

/**
 * A way to reach configuration space: ECAM (memory-mapped, all 4 KiB) or the x86 CF8/CFC ports
 * (first 256 bytes only). Widths are 1, 2 or 4 and offsets aligned to the width.
 */
public interface ConfigAccess {
    int read(Bdf bdf, int offset, int width);

    void write(Bdf bdf, int offset, int width, int value);

    /** Bytes of config space per function this mechanism reaches (4096 or 256). */
    int reach();
}
