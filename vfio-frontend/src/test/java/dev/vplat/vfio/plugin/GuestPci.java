package dev.vplat.vfio.plugin;

import dev.vplat.pci.PciHostOptions;
import dev.vplat.platform.memory.GuestMemory;

/**
 * The guest driver's side of a q35 machine for these tests: config cycles through ECAM and the
 * capability-list walk Linux's {@code pci_find_capability} does, on the machine's system memory.
 */
final class GuestPci {
    private final GuestMemory memory;
    private final int devfn;

    GuestPci(GuestMemory memory, int device, int function) {
        this.memory = memory;
        this.devfn = (device << 3) | function;
    }

    long configRead(int offset, int size) {
        return memory.read(PciHostOptions.Q35_ECAM_BASE + ((long) devfn << 12) + offset, size);
    }

    void configWrite(int offset, int size, long value) {
        memory.write(PciHostOptions.Q35_ECAM_BASE + ((long) devfn << 12) + offset, size, value);
    }

    /** Offset of capability {@code id} in the standard list, or 0. */
    int findCapability(int id) {
        for (int at = (int) configRead(0x34, 1) & 0xFC; at != 0; at = (int) configRead(at + 1, 1) & 0xFC) {
            if (configRead(at, 1) == id) {
                return at;
            }
        }
        return 0;
    }
}
