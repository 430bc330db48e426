package dev.vplat.guest.suites;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.GuestPageAllocator;
import dev.vplat.guest.drivers.SmmuV3Driver;
import dev.vplat.guest.pci.Bdf;
import dev.vplat.guest.pci.EcamConfigAccess;
import dev.vplat.guest.pci.PciDev;
import org.junit.jupiter.api.Assumptions;

/**
 * What the SMMUv3 guest-driver suite drives on an Arm {@code virt} machine started with
 * {@code --iommu arm-smmuv3,owner=guest}: the guest-owned unit, the DMA test device
 * {@code dmatest0} at 00:03.0 with its BARs in the PCIe MMIO window, and a page allocator in the
 * lower half of RAM (above 0x40000000 on virt; the upper half is the host kernel's pool). A target
 * without a guest-owned arm-smmuv3 skips the test, saying what it has instead.
 */
final class SmmuRig {
    static final Bdf DMATEST = Bdf.parse("00:03.0");
    /** GICv3 ITS GITS_TRANSLATER on virt: the MSI doorbell of the unit and of devices. */
    static final long ITS_DOORBELL = 0x0809_0040L;
    static final int EVENTQ_DATA = 0x20, GERROR_DATA = 0x21, DEVICE_DATA = 0x30;
    /** VIRT_PCIE_MMIO: where unassigned BARs go ({@link BarSlots}). */
    private static final long BAR_WINDOW = 0x1000_0000L;
    /** First 16 MiB of RAM left alone, as firmware would keep it. */
    private static final long RAM_RESERVED = 16L << 20;

    final VplatClient guest;
    final MachineInfo.Iommu unit;
    final GuestPageAllocator pages;
    final SmmuV3Driver smmu;
    private final EcamConfigAccess ecam;

    SmmuRig(SuiteTarget target) {
        guest = target.guest();
        MachineInfo info = guest.machineInfo();
        unit = info.iommus().stream().filter(u -> u.kind().equals("arm-smmuv3") && u.owner().equals("guest"))
                .filter(u -> u.scope().contains(DMATEST.toString())).findFirst().orElse(null);
        Assumptions.assumeTrue(unit != null, () -> "the target has no guest-owned arm-smmuv3 whose scope holds "
                + DMATEST + " (iommus: " + info.iommus() + ")");
        MachineInfo.MemoryRange ram = info.memory().stream().filter(m -> m.kind().equals("ram")).findFirst()
                .orElseThrow(() -> new AssertionError("MACHINE_INFO lists no RAM"));
        long hostPool = info.memory().stream().filter(m -> m.kind().equals("host-reserved"))
                .mapToLong(MachineInfo.MemoryRange::base).min().orElse(ram.base() + ram.size());
        pages = new GuestPageAllocator(guest, ram.base() + RAM_RESERVED, hostPool);
        ecam = new EcamConfigAccess(guest, info.ecamBase().orElseThrow(() -> new AssertionError("no ECAM window")));
        smmu = new SmmuV3Driver(guest, unit.base(), pages);
    }

    /** Linux bring-up with the default geometry, event queue and GERROR MSIs to the ITS. */
    SmmuRig bringUp() {
        return bringUp(SmmuV3Driver.Geometry.DEFAULT);
    }

    SmmuRig bringUp(SmmuV3Driver.Geometry geometry) {
        smmu.bringUp(geometry, ITS_DOORBELL, EVENTQ_DATA, GERROR_DATA);
        return this;
    }

    /** dmatest0, probed (decoding and bus mastering on), its BARs in their slot. */
    DmaTestDriver dmatest() {
        PciDev dev = new PciDev(guest, ecam, DMATEST);
        Assumptions.assumeTrue(dev.vendorId() == DmaTestDriver.VENDOR, () -> "no dmatest at " + DMATEST);
        DmaTestDriver d = new DmaTestDriver(BarSlots.place(dev, BAR_WINDOW));
        d.probe();
        return d;
    }

    /** A zeroed, page-aligned guest buffer. */
    long buffer(long bytes) {
        return pages.alloc(bytes, GuestPageAllocator.PAGE_SIZE);
    }
}
