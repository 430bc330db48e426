package dev.vplat.guest.pci;

/**
 * What sizing a Base Address Register found (PCI 3.0 §6.2.5.1): its kind, its size and the
 * address programmed into it (0 until assigned). A 64-bit memory BAR takes two slots;
 * {@code index} is the lower one.
 */
public record Bar(int index, Kind kind, boolean prefetchable, long size, long address) {
    public enum Kind { IO, MEM32, MEM64 }

    public boolean isIo() {
        return kind == Kind.IO;
    }

    public Bar at(long newAddress) {
        return new Bar(index, kind, prefetchable, size, newAddress);
    }
}
