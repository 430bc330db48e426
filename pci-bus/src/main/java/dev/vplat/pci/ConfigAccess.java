package dev.vplat.pci;

import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;

/**
 * The two ways a CPU reaches config space: ECAM (PCIe Base spec §7.2.2: bus[27:20],
 * device[19:15], function[14:12], register[11:0] of the window offset) and the x86
 * configuration mechanism #1 (PCI Local Bus spec §3.2.2.3.2: CONFIG_ADDRESS at 0xCF8 with
 * enable bit 31, bus[23:16], device[15:11], function[10:8], register[7:2]; CONFIG_DATA at
 * 0xCFC..0xCFF). Requests nobody claims read all-ones.
 */
final class ConfigAccess {
    private final PciHost host;
    private long configAddress;

    ConfigAccess(PciHost host) {
        this.host = host;
    }

    MmioOps ecam() {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                if (size == 8) {
                    return (read(offset, 4) & 0xFFFF_FFFFL) | (read(offset + 4, 4) << 32);
                }
                return host.configRead((int) (offset >>> 20), (int) (offset >>> 12) & 0xFF, (int) offset & 0xFFF, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                if (size == 8) {
                    write(offset, 4, value);
                    write(offset + 4, 4, value >>> 32);
                    return;
                }
                host.configWrite((int) (offset >>> 20), (int) (offset >>> 12) & 0xFF, (int) offset & 0xFFF, size, value);
            }
        };
    }

    MmioRegion addressPort() {
        return new MmioRegion("pci-conf-addr", 4, AccessRules.DWORD_ALIGNED, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return configAddress;
            }

            @Override
            public void write(long offset, int size, long value) {
                configAddress = value & 0xFFFF_FFFFL;
            }
        });
    }

    MmioRegion dataPort() {
        return new MmioRegion("pci-conf-data", 4, new AccessRules(0b0111, true, -1L), new MmioOps() {
            @Override
            public long read(long offset, int size) {
                if ((configAddress & 0x8000_0000L) == 0) {
                    return (1L << (8 * size)) - 1;
                }
                return host.configRead(bus(), devfn(), register(offset), size);
            }

            @Override
            public void write(long offset, int size, long value) {
                if ((configAddress & 0x8000_0000L) != 0) {
                    host.configWrite(bus(), devfn(), register(offset), size, value);
                }
            }
        });
    }

    private int bus() {
        return (int) (configAddress >>> 16) & 0xFF;
    }

    private int devfn() {
        return (int) (configAddress >>> 8) & 0xFF;
    }

    private int register(long portOffset) {
        return (int) (configAddress & 0xFC) | (int) (portOffset & 3);
    }
}
