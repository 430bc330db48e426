package dev.vplat.guest.pci;

import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PcieType;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;

/**
 * A PCIe endpoint for exercising guest-side PCI code: BAR0 (32-bit, 4 KiB) has an ID register at
 * 0 and a doorbell at 4 whose written value is sent as that message vector; BAR1 is 32 I/O ports
 * that read back their offset; BAR2 (64-bit, 16 KiB) holds the MSI-X table at 0 and PBA at 0x800.
 * It has MSI (1 vector, 64-bit, maskable), MSI-X (2 vectors) and ATS.
 */
final class DoorbellDevice implements PciDevice {
    static final int VENDOR = 0x1b36, DEVICE = 0x7e57, ID_VALUE = 0x600dcafe;

    @Override
    public FunctionSpec realize(DeviceContext context) {
        MmioOps regs = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return offset == 0 ? ID_VALUE : 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                if (offset == 4) {
                    context.interrupts().notify((int) value);
                }
            }
        };
        MmioOps ports = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return offset;
            }

            @Override
            public void write(long offset, int size, long value) {
            }
        };
        MmioOps unused = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
            }
        };
        return FunctionSpec.builder(VENDOR, DEVICE).classCode(0x00ff00).pcie(PcieType.ENDPOINT, false)
                .bar(0, BarSpec.memory32(0x1000, AccessRules.DWORD_ALIGNED, regs))
                .bar(1, BarSpec.io(32, AccessRules.ANY, ports))
                .bar(2, BarSpec.memory64(0x4000, true, AccessRules.DWORD_QWORD_ALIGNED, unused))
                .msi(1, true, true)
                .msix(2, 2, 0, 2, 0x800)
                .ats()
                .build();
    }
}
