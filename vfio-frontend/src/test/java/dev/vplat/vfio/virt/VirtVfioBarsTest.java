package dev.vplat.vfio.virt;

import dev.vplat.pci.BarInfo;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.platform.VirtPreset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** BARs the host assigns when a device is bound to vfio-pci on virt go in VIRT_PCIE_MMIO, never over RAM. */
class VirtVfioBarsTest {
    /** 3 GiB: RAM reaches 0xFFFFFFFF, over q35's PCI hole at 0xC0000000. */
    private final VirtHost host = new VirtHost(3L << 30);

    @AfterEach
    void close() {
        host.close();
    }

    @Test
    void bindingVfioPciPlacesUnassignedBarsInThePcieMmioWindow() {
        host.toVfio(VirtHost.DMATEST);

        for (BarInfo bar : host.function(VirtHost.DMATEST).bars()) {
            if (bar.index() == BarInfo.ROM_INDEX || bar.size() == 0) {
                continue;
            }
            assertTrue(bar.address() >= VirtPreset.PCIE_MMIO_BASE
                    && bar.address() + bar.size() <= VirtPreset.PCIE_MMIO_BASE + VirtPreset.PCIE_MMIO_SIZE,
                    () -> String.format("BAR%d at 0x%x", bar.index(), bar.address()));
        }
        GuestMemory ram = host.platform.machine().system();
        ram.write(0xC000_0000L, 4, 0x1234_5678L);
        assertEquals(0x1234_5678L, ram.read(0xC000_0000L, 4), "RAM at 0xC0000000 is still RAM");
    }
}
