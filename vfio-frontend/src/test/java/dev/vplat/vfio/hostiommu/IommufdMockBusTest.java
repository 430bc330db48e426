package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.IommuCap;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.testing.TestMachine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The selftest's mock bus: a real mock unit brought up on demand, mock devices created and destroyed on it. */
class IommufdMockBusTest {
    private final TestMachine m = new TestMachine();

    private IommufdMockBus bus() {
        m.plug("dev", "dmatest", "", "03.0");
        m.realize();
        HostStack.boot(m.kernel, m.pci);
        return IommufdMockBus.of(m.kernel);
    }

    private IommuCore core() {
        return m.kernel.service(IommuCore.class);
    }

    @Test
    void firstUseAddsTheMockUnitToTheMachineAndItsDriverToTheIommuCore() {
        IommufdMockBus bus = bus();
        assertInstanceOf(MockIommu.class, m.machine.component(IommufdMockBus.UNIT_ID));
        assertTrue(core().units().contains(bus.driver()));
        assertSame(bus, IommufdMockBus.of(m.kernel), "one bus per kernel");
    }

    @Test
    void createdDeviceSitsInItsOwnBlockedGroupOnBusFf() {
        IommufdMockBus bus = bus();
        IommuDevice a = bus.createDevice(0);
        IommuDevice b = bus.createDevice(0);
        assertEquals(RequesterId.parse("ff:00.0"), a.rid());
        assertEquals(RequesterId.parse("ff:00.1"), b.rid());
        assertNotSame(a.group(), b.group());
        assertSame(bus.driver(), a.iommu());
        assertEquals(DomainType.BLOCKED, a.group().domain().type(), "mock_ops.default_domain is the blocking domain");
        assertNull(bus.driver().unit().domainOf(a.rid()));
        assertFalse(bus.driver().unit().isPassThrough(a.rid()));
    }

    @Test
    void pciDevicesStayOffTheMockUnit() {
        bus();
        IommuDevice pci = core().device(RequesterId.parse("00:03.0"));
        assertNull(pci.group(), "no host IOMMU translates the PCI device on this machine");
    }

    @Test
    void destroyedDeviceLeavesTheCoreAndFreesItsRequesterIdAndGroup() {
        IommufdMockBus bus = bus();
        IommuDevice a = bus.createDevice(0);
        int groups = core().groups().size();
        bus.destroyDevice(a);
        assertNull(core().device(a.rid()));
        assertEquals(groups - 1, core().groups().size());
        assertEquals(0, bus.deviceCount());
        assertEquals(a.rid(), bus.createDevice(0).rid());
    }

    @Test
    void noDirtyFlagRemovesTheDirtyTrackingCapability() {
        IommufdMockBus bus = bus();
        assertTrue(bus.createDevice(0).capable(IommuCap.DIRTY_TRACKING));
        assertFalse(bus.createDevice(MockHostDriver.DEVICE_NO_DIRTY).capable(IommuCap.DIRTY_TRACKING));
    }

    @Test
    void unknownFlagsAreEinvalAndCreateNothing() {
        IommufdMockBus bus = bus();
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> bus.createDevice(1 << 4)).errno());
        assertEquals(0, bus.deviceCount());
        assertEquals(0, core().devices().stream().filter(d -> d.iommu() == bus.driver()).count());
    }

    @Test
    void withoutAnIommuCoreTheBusIsEnodev() {
        m.realize();
        assertEquals(Errno.ENODEV, assertThrows(ErrnoException.class, () -> IommufdMockBus.of(m.kernel)).errno());
    }
}
