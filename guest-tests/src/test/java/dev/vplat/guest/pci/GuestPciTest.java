package dev.vplat.guest.pci;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.junit.Pci;
import dev.vplat.guest.junit.VplatTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.vplat.guest.pci.PciRegs.*;
import static org.junit.jupiter.api.Assertions.*;

/** The libqos-style helpers against the real PCI model, served by the real server. */
@VplatTest(memory = "64M", noDefaults = true, setup = DoorbellMachine.class)
class GuestPciTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Bdf ROOT_PORT = new Bdf(0, 0x1c, 0), DOORBELL = new Bdf(1, 0, 0);

    @Test
    void enumerationNumbersTheRootPortAndFindsTheDeviceBehindIt(GuestPci pci) {
        PciDev port = pci.device(ROOT_PORT).orElseThrow();
        assertEquals(0, port.configReadb(PRIMARY_BUS));
        assertEquals(1, port.configReadb(SECONDARY_BUS));
        assertEquals(1, port.configReadb(SUBORDINATE_BUS));
        assertEquals(DOORBELL, port.children().get(0).bdf());
        assertEquals(DoorbellDevice.DEVICE, pci.device(DOORBELL).orElseThrow().deviceId());
    }

    @Test
    void barsAreSizedAndPlacedInsideTheBridgeWindows(@Pci("01:00.0") PciDev dev, GuestPci pci) {
        Bar bar0 = dev.bar(0);
        Bar bar1 = dev.bar(1);
        Bar bar2 = dev.bar(2);
        assertEquals(new Bar(0, Bar.Kind.MEM32, false, 0x1000, bar0.address()), bar0);
        assertEquals(Bar.Kind.IO, bar1.kind());
        assertEquals(32, bar1.size());
        assertEquals(Bar.Kind.MEM64, bar2.kind());
        assertTrue(bar2.prefetchable());
        assertEquals(0x4000, bar2.size());
        PciDev port = pci.device(ROOT_PORT).orElseThrow();
        long memBase = (long) (port.configReadw(MEMORY_BASE) & 0xfff0) << 16;
        long memLimit = ((long) (port.configReadw(MEMORY_LIMIT) & 0xfff0) << 16) | 0xfffff;
        assertTrue(bar0.address() >= memBase && bar0.address() + 0xfff <= memLimit);
        assertTrue(bar2.address() >= memBase && bar2.address() + 0x3fff <= memLimit);
        long ioBase = (port.configReadb(IO_BASE) & 0xf0) << 8;
        long ioLimit = ((port.configReadb(IO_LIMIT) & 0xf0) << 8) | 0xfff;
        assertTrue(bar1.address() >= ioBase && bar1.address() + 31 <= ioLimit);
        assertTrue(bar0.address() >= ResourceAllocator.DEFAULT_MMIO_BASE);
    }

    @Test
    void enabledDeviceAnswersOnItsMemoryAndIoBars(@Pci("01:00.0") PciDev dev) {
        dev.enable();
        assertEquals(COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER, dev.command() & 7);
        assertEquals(DoorbellDevice.ID_VALUE, dev.barReadl(0, 0));
        assertEquals(0x14, dev.barReadb(1, 0x14));
    }

    @Test
    void portIoAndEcamSeeTheSameConfigSpace(VplatClient guest, GuestPci pci) {
        PciDev viaPorts = new PciDev(guest, new PortIoConfigAccess(guest), DOORBELL);
        assertEquals(pci.device(DOORBELL).orElseThrow().configReadl(VENDOR_ID), viaPorts.configReadl(VENDOR_ID));
        assertEquals(DoorbellDevice.VENDOR, viaPorts.vendorId());
    }

    @Test
    void capabilitiesAndExtendedCapabilitiesAreFound(@Pci("01:00.0") PciDev dev) {
        assertNotEquals(0, dev.findCapability(CAP_ID_MSI));
        assertNotEquals(0, dev.findCapability(CAP_ID_MSIX));
        assertNotEquals(0, dev.findCapability(CAP_ID_EXP));
        assertEquals(0, dev.findCapability(CAP_ID_VNDR));
        assertTrue(dev.findExtendedCapability(EXT_CAP_ID_ATS) >= EXT_CAP_START);
        assertEquals(0, dev.findExtendedCapability(EXT_CAP_ID_SRIOV));
    }

    @Test
    void msiProgrammedByTheHelperReachesTheCpuSide(@Pci("01:00.0") PciDev dev, VplatClient guest) {
        dev.enable();
        MsiCap msi = dev.msi().orElseThrow();
        assertTrue(msi.is64Bit());
        msi.enable(X86_MSI_ADDRESS_BASE, 0x41, 1);
        guest.irqWatch(true);
        dev.barWritel(0, 4, 0);
        Event.Msi e = guest.awaitMsi(WAIT);
        assertEquals(X86_MSI_ADDRESS_BASE, e.address());
        assertEquals(0x41, e.data());
        assertEquals(DOORBELL.rid(), e.requesterId());
        msi.disable();
    }

    @Test
    void msixVectorFiresOnlyOnceUnmasked(@Pci("01:00.0") PciDev dev, VplatClient guest) {
        dev.enable();
        MsixCap msix = dev.msix().orElseThrow();
        assertEquals(2, msix.tableSize());
        assertEquals(2, msix.tableBar());
        guest.irqWatch(true);
        msix.enable();
        msix.setVector(1, X86_MSI_ADDRESS_BASE | 1 << 12, 0x52);
        msix.mask(1, true);
        msix.unmaskAll();
        dev.barWritel(0, 4, 1);
        assertTrue(msix.pending(1), "a masked vector sets its pending bit (PCI 3.0 §6.8.3.6)");
        msix.mask(1, false);
        assertEquals(0x52, guest.awaitMsi(WAIT).data());
        assertFalse(msix.pending(1));
        msix.disable();
    }
}
