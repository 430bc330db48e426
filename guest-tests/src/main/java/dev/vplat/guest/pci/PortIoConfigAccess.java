package dev.vplat.guest.pci;

import dev.vplat.guest.client.Batch;
import dev.vplat.guest.client.VplatClient;

/**
 * Configuration Mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): write the enable bit, bus, devfn
 * and dword-aligned register to CONFIG_ADDRESS (0xCF8), then access CONFIG_DATA (0xCFC + the
 * byte offset within the dword). Address and data go in one BATCH so that they stay paired.
 */
public final class PortIoConfigAccess implements ConfigAccess {
    public static final int CONFIG_ADDRESS = 0xcf8, CONFIG_DATA = 0xcfc;
    private static final int ENABLE = 0x8000_0000;

    private final VplatClient client;

    public PortIoConfigAccess(VplatClient client) {
        this.client = client;
    }

    private static int address(Bdf bdf, int offset) {
        if (offset < 0 || offset > 0xff) {
            throw new IllegalArgumentException("CF8/CFC reaches offsets 0..0xff, not 0x" + Integer.toHexString(offset));
        }
        return ENABLE | bdf.bus() << 16 | bdf.devfn() << 8 | (offset & 0xfc);
    }

    @Override
    public int read(Bdf bdf, int offset, int width) {
        long[] v = client.batch(new Batch().outl(CONFIG_ADDRESS, address(bdf, offset))
                .in(CONFIG_DATA + (offset & 3), width));
        return (int) v[1];
    }

    @Override
    public void write(Bdf bdf, int offset, int width, int value) {
        client.batch(new Batch().outl(CONFIG_ADDRESS, address(bdf, offset))
                .out(CONFIG_DATA + (offset & 3), width, value));
    }

    @Override
    public int reach() {
        return 256;
    }
}
