package dev.vplat.guest.suites;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.EduDriver;
import dev.vplat.guest.drivers.GuestPageAllocator;
import dev.vplat.guest.drivers.VtdDriver;
import dev.vplat.guest.pci.Bdf;
import dev.vplat.guest.pci.EcamConfigAccess;
import dev.vplat.guest.pci.PciDev;
import org.junit.jupiter.api.Assumptions;

/**
 * What the guest-driver suites (1–3) drive on the default q35 machine: the guest-owned VT-d unit
 * whose scope holds edu (00:03.0) and the DMA test device (00:07.0), both devices with their
 * BARs, and a page allocator in the lower part of RAM. The unit and devices are found through
 * MACHINE_INFO; a target without them skips the test, saying what is missing.
 */
final class GuestRig {
    static final Bdf EDU = Bdf.parse("00:03.0"), DMATEST = Bdf.parse("00:07.0");
    /** x86 MSI address for APIC 0, and the vectors the suites use. */
    static final long MSI_ADDRESS = 0xFEE0_0000L;
    static final int FAULT_VECTOR = 0x50, DEVICE_VECTOR = 0x41;
    /** BARs nobody assigned go here ({@link BarSlots}), clear of the 0xC0000000 window firmware-style enumeration uses. */
    private static final long BAR_WINDOW = 0xE000_0000L;

    final VplatClient guest;
    final MachineInfo.Iommu unit;
    final GuestPageAllocator pages;
    final VtdDriver vtd;
    private final EcamConfigAccess ecam;

    GuestRig(SuiteTarget target) {
        this(target, EDU, DMATEST);
    }

    GuestRig(SuiteTarget target, Bdf... scope) {
        guest = target.guest();
        MachineInfo info = guest.machineInfo();
        unit = info.iommus().stream()
                .filter(u -> u.kind().equals("intel-iommu") && u.owner().equals("guest"))
                .filter(u -> java.util.Arrays.stream(scope).allMatch(b -> u.scope().contains(b.toString())))
                .findFirst().orElse(null);
        Assumptions.assumeTrue(unit != null, () -> "the target has no guest-owned intel-iommu whose scope holds "
                + java.util.Arrays.toString(scope) + " (iommus: " + info.iommus() + ")");
        long hostPool = info.memory().stream().filter(m -> m.kind().equals("host-reserved"))
                .mapToLong(MachineInfo.MemoryRange::base).min().orElse(GuestPageAllocator.DEFAULT_LIMIT);
        pages = new GuestPageAllocator(guest, GuestPageAllocator.DEFAULT_BASE,
                Math.min(GuestPageAllocator.DEFAULT_LIMIT, hostPool));
        ecam = new EcamConfigAccess(guest, info.ecamBase().orElse(EcamConfigAccess.Q35_ECAM_BASE));
        vtd = new VtdDriver(guest, unit.base(), pages);
    }

    /**
     * Linux bring-up with the fault event on {@link #FAULT_VECTOR}, after quiescing whatever an
     * earlier test left enabled (suites share one server; interrupt remapping left on would
     * block the compatibility-format MSIs of the next test).
     */
    void bringUp() {
        vtd.quiesce();
        vtd.bringUp(MSI_ADDRESS, FAULT_VECTOR);
    }

    /** The function at {@code bdf} (a root-bus function), its unassigned BARs placed in its slot. */
    PciDev device(Bdf bdf) {
        PciDev dev = new PciDev(guest, ecam, bdf);
        Assumptions.assumeTrue(dev.vendorId() != 0xFFFF, () -> "no PCI function at " + bdf);
        return BarSlots.place(dev, BAR_WINDOW);
    }

    EduDriver edu() {
        EduDriver edu = new EduDriver(device(EDU));
        edu.probe();
        return edu;
    }

    DmaTestDriver dmatest() {
        DmaTestDriver d = new DmaTestDriver(device(DMATEST));
        d.probe();
        return d;
    }

    /** A zeroed, page-aligned guest buffer. */
    long buffer(long bytes) {
        return pages.alloc(bytes, GuestPageAllocator.PAGE_SIZE);
    }

    /** {@code n} bytes of a recognisable pattern derived from {@code seed}. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >>> 8));
        }
        return b;
    }
}
