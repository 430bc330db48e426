package dev.vplat.vfio.driver;

import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.iommu.DmaOwnership;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuGroup;
import dev.vplat.vfio.iommu.UnitOwner;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.testing.TestMachine;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The booted host stack on a machine with real PCI topology and VT-d units. */
class HostStackTest {
    private static final long BASE = VtdConfig.DEFAULT_BASE;
    private final TestMachine m = new TestMachine();
    private final Object user = new Object();

    private HostStack boot() {
        m.realize();
        return HostStack.boot(m.kernel, m.pci);
    }

    private IommuDevice dev(HostStack s, String id) {
        return s.iommu().device(m.pci.function(id).requesterId());
    }

    private void toVfio(HostStack s, String id) {
        String bdf = m.pci.function(id).requesterId().bdf();
        s.drivers().unbind(bdf);
        s.drivers().bind(bdf + " vfio-pci");
    }

    private boolean dmaOk(String id) {
        PciFunction f = m.pci.function(id);
        f.configWrite(0x04, 2, f.configRead(0x04, 2) | 0x4);
        return m.dmaDevice(id).context().dma().write(0x10_0000, new byte[8], 0, 8).ok();
    }

    @Test
    void eachDeviceTypesOwnDmaApiDriverIsBoundAtStart() {
        m.vtd("dmar0", BASE, "host", "all", Map.of());
        m.plug("a", "dmatest", "", "03.0");
        m.plug("b", "edu", "", "04.0");
        HostStack s = boot();
        assertEquals("dmatest", s.drivers().device(RequesterId.parse("00:03.0")).driver().name());
        assertEquals("edu", s.drivers().device(RequesterId.parse("00:04.0")).driver().name());
        assertNull(s.drivers().device(RequesterId.parse("00:00.0")).driver(), "the host bridge gets no driver");
        assertEquals(DmaOwnership.KERNEL, dev(s, "a").group().ownership());
        assertSame(s, m.kernel.service(HostStack.class));
        assertSame(s.iommu(), m.kernel.service(IommuCore.class));
    }

    @Test
    void devicesBehindAPcieToPciBridgeShareTheBridgesGroupAndAClaimBlocksThemAll() {
        m.vtd("dmar0", BASE, "host", "all", Map.of());
        m.pcieToPciBridge("pcibr", "05.0");
        m.plug("x", "dmatest", "pcibr", "01.0");
        m.plug("y", "dmatest", "pcibr", "02.0");
        HostStack s = boot();
        IommuGroup g = dev(s, "x").group();
        assertSame(g, dev(s, "y").group());
        assertTrue(g.devices().stream().anyMatch(d -> d.rid().equals(m.pci.function("pcibr").requesterId())));
        assertEquals(List.of(RequesterId.parse("02:01.0"), RequesterId.parse("02:00.0")), dev(s, "x").dmaAliases());
        assertTrue(dmaOk("y"));
        toVfio(s, "x");
        assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> dev(s, "x").claimDmaOwner(user)).errno(),
                "y is still bound to its DMA-API driver");
        toVfio(s, "y");
        dev(s, "x").claimDmaOwner(user);
        assertFalse(dmaOk("y"), "claiming x put the whole group, y included, in the blocking domain");
        dev(s, "y").claimDmaOwner(user);
        assertEquals(2, m.kernel.counters().get("dma_owner_claims"));
    }

    @Test
    void functionsOfAMultifunctionSlotWithoutAcsShareAGroup() {
        m.vtd("dmar0", BASE, "host", "all", Map.of());
        m.plug("f0", "dmatest", "", "06.0");
        m.plug("f1", "dmatest", "", "06.1");
        m.plug("solo", "dmatest", "", "07.0");
        HostStack s = boot();
        assertSame(dev(s, "f0").group(), dev(s, "f1").group());
        assertNotSame(dev(s, "f0").group(), dev(s, "solo").group());
    }

    @Test
    void unbindRebindCyclesKeepTheCountsRight() {
        m.vtd("dmar0", BASE, "host", "all", Map.of());
        m.plug("a", "dmatest", "", "03.0");
        HostStack s = boot();
        toVfio(s, "a");
        dev(s, "a").claimDmaOwner(user);
        assertEquals(Errno.EBUSY, assertThrows(ErrnoException.class, () -> s.drivers().bind("0000:00:03.0 pci-stub")).errno());
        dev(s, "a").releaseDmaOwner(user);
        s.drivers().unbind("0000:00:03.0");
        s.drivers().bind("0000:00:03.0 dmatest");
        assertEquals(1, dev(s, "a").group().ownerCount());
        assertTrue(dmaOk("a"), "back in the identity default domain");
        assertEquals(0, m.kernel.counters().get("dma_owner_claims"));
    }

    @Test
    void aGuestOwnedUnitIsLeftAtResetAndItsDevicesCannotBeClaimed() {
        m.vtd("dmar0", BASE, "host", "00:03.0", Map.of());
        m.vtd("dmar1", BASE + 0x1000, "guest", "00:04.0", Map.of());
        m.plug("hosted", "dmatest", "", "03.0");
        m.plug("guested", "dmatest", "", "04.0");
        HostStack s = boot();
        assertEquals(0, m.machine.system().read(BASE + 0x1000 + 0x1C, 4), "dmar1 GSTS still at reset");
        assertEquals(0, m.machine.system().read(BASE + 0x1000 + 0x20, 8), "dmar1 RTADDR never written");
        assertNull(dev(s, "guested").group());
        toVfio(s, "guested");
        assertEquals(Errno.ENODEV, assertThrows(ErrnoException.class, () -> dev(s, "guested").claimDmaOwner(user)).errno());
        assertEquals(Map.of("dmar0", UnitOwner.HOST, "dmar1", UnitOwner.GUEST), s.unitOwners());
        assertFalse(s.guestMayWrite(BASE + 0x18));
        assertTrue(s.guestMayWrite(BASE + 0x1000 + 0x18));
        assertTrue(s.guestMayWrite(0x10_0000));
    }
}
