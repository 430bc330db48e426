package dev.vplat.vfio.vfio;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;

/**
 * The host's BAR assignment for functions handed to VFIO (what the PCI core's resource
 * assignment does at enumeration): a BAR still at address 0 gets a naturally aligned place in the
 * machine's PCI memory window ({@link Vfio.BarWindow}: the q35 PCI hole, or VIRT_PCIE_MMIO on Arm
 * {@code virt}) or in I/O space above 0x1000, clear of every BAR already placed. vfio-pci reports
 * a BAR the host did not place as unimplemented, so a device must be assigned before its user
 * sees it.
 */
final class HostBars {
    static final long IO_BASE = 0x1000;
    static final long IO_LIMIT = 0x10000;

    private final PciHost pci;
    private final Vfio.BarWindow window;

    HostBars(PciHost pci, Vfio.BarWindow window) {
        this.pci = pci;
        this.window = window;
    }

    void assign(PciFunction function) {
        for (int i = 0; i <= BarInfo.ROM_INDEX; i++) {
            BarInfo bar = function.bar(i);
            if (bar == null || bar.address() != 0) {
                continue;
            }
            boolean io = bar.kind() == BarKind.IO && i != BarInfo.ROM_INDEX;
            long at = place(bar.size(), io);
            int reg = i == BarInfo.ROM_INDEX ? PciConfig.ROM_ADDRESS : PciConfig.BAR0 + 4 * i;
            function.configWrite(reg, 4, at & 0xFFFF_FFFFL);
            if (bar.kind() == BarKind.MEMORY64 && i != BarInfo.ROM_INDEX) {
                function.configWrite(reg + 4, 4, at >>> 32);
            }
        }
    }

    /** First fit above the window base, aligned to the size, not overlapping any placed BAR of the same space. */
    private long place(long size, boolean io) {
        long at = io ? IO_BASE : window.base();
        long limit = io ? IO_LIMIT : window.limit();
        boolean moved = true;
        while (moved) {
            at = (at + size - 1) & -size;
            moved = false;
            for (PciFunction f : pci.functions()) {
                for (BarInfo b : f.bars()) {
                    boolean bIo = b.kind() == BarKind.IO && b.index() != BarInfo.ROM_INDEX;
                    if (bIo == io && b.address() != 0 && b.address() < at + size && at < b.address() + b.size()) {
                        at = b.address() + b.size();
                        moved = true;
                    }
                }
            }
        }
        if (at + size > limit) {
            throw new IllegalStateException("no room for a " + size + "-byte BAR in the host window");
        }
        return at;
    }
}
