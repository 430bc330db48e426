package dev.vplat.guest.pci;

import dev.vplat.guest.client.VplatClient;

/**
 * Enhanced Configuration Access Mechanism (PCIe Base 6.0 §7.2.2): function config space at
 * {@code base + (bus << 20 | device << 15 | function << 12 | offset)}, read with MMIO accesses
 * of the register's width.
 */
public final class EcamConfigAccess implements ConfigAccess {
    /** QEMU q35's MCH PCIEXBAR default. */
    public static final long Q35_ECAM_BASE = 0xB000_0000L;

    private final VplatClient client;
    private final long base;

    public EcamConfigAccess(VplatClient client, long base) {
        this.client = client;
        this.base = base;
    }

    /** The guest-physical address of a config register. */
    public long address(Bdf bdf, int offset) {
        return base + ((long) bdf.bus() << 20 | (long) bdf.devfn() << 12 | offset);
    }

    @Override
    public int read(Bdf bdf, int offset, int width) {
        return (int) client.read(address(bdf, offset), width);
    }

    @Override
    public void write(Bdf bdf, int offset, int width, int value) {
        client.write(address(bdf, offset), width, value);
    }

    @Override
    public int reach() {
        return 4096;
    }
}
