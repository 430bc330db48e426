package dev.vplat.pci.sdk;

/** The address-space kind of a base address register (PCI Local Bus spec §6.2.5.1). */
public enum BarKind {
    /** Memory BAR decoding a 32-bit address (type 00b). */
    MEMORY32,
    /** Memory BAR decoding a 64-bit address (type 10b); uses two BAR slots. */
    MEMORY64,
    /** I/O space BAR. */
    IO;

    /** Whether the BAR decodes memory space (either width), not I/O space. */
    public boolean memory() {
        return this != IO;
    }
}
