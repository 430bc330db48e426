package dev.vplat.vfio.iommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Units and devices that come and go after boot (iommu_device_register, iommu_probe_device and
 * iommu_release_device), as the iommufd selftest's mock bus uses them.
 */
class DeviceHotplugTest {
    private final RecordingIommu pci = new RecordingIommu("dmar0", false, 0);
    private final RecordingIommu mock = new RecordingIommu("mock", true, 0xff);
    private final IommuCore core = new IommuCore(List.of(pci), new Trace());
    private final Object owner = new Object();

    @Test
    void aUnitAddedAfterBootTakesDevicesGivenToItExplicitly() {
        core.addUnit(mock);
        IommuDevice d = core.addDevice(mock, RequesterId.of(0xff, 0, 0));
        assertSame(mock, d.iommu());
        assertEquals(DomainType.IDENTITY, mock.attached.get(d.rid()).type(), "probed into its default domain");
    }

    @Test
    void explicitAddRefusesAUnitThatIsNotRegisteredOrDoesNotCoverTheDevice() {
        assertThrows(IllegalArgumentException.class, () -> core.addDevice(mock, RequesterId.of(0xff, 0, 0)));
        core.addUnit(mock);
        assertThrows(IllegalArgumentException.class, () -> core.addDevice(mock, RequesterId.of(1, 0, 0)));
        assertThrows(IllegalArgumentException.class, () -> core.addUnit(mock), "a unit is registered once");
    }

    @Test
    void removedDeviceIsLeftBlockedAndItsGroupNumberIsReused() {
        core.addUnit(mock);
        IommuDevice first = core.addDevice(mock, RequesterId.of(0xff, 0, 0));
        IommuDevice second = core.addDevice(mock, RequesterId.of(0xff, 0, 1));
        assertEquals(List.of(0, 1), core.groups().stream().map(IommuGroup::id).toList());
        core.removeDevice(first);
        assertEquals(DomainType.BLOCKED, mock.attached.get(first.rid()).type());
        assertNull(core.device(first.rid()));
        assertEquals(List.of(1), core.groups().stream().map(IommuGroup::id).toList());
        assertNull(core.group(0));
        IommuDevice third = core.addDevice(mock, RequesterId.of(0xff, 0, 2));
        assertEquals(0, third.group().id(), "iommu_group_alloc takes the lowest free number");
        assertSame(second.group(), core.group(1));
    }

    @Test
    void aDeviceInUseForDmaCannotBeRemoved() {
        core.addUnit(mock);
        IommuDevice claimed = core.addDevice(mock, RequesterId.of(0xff, 0, 0));
        claimed.claimDmaOwner(owner);
        assertThrows(IllegalStateException.class, () -> core.removeDevice(claimed));
        IommuDevice kernelUsed = core.addDevice(RequesterId.of(0, 3, 0), 1);
        core.useDefaultDomain(kernelUsed);
        assertThrows(IllegalStateException.class, () -> core.removeDevice(kernelUsed));
        claimed.releaseDmaOwner(owner);
        core.removeDevice(claimed);
        assertEquals(1, core.devices().size());
    }

    @Test
    void removingOneDeviceOfASharedGroupKeepsTheGroup() {
        IommuDevice fn0 = core.addDevice(RequesterId.of(0, 2, 0), 1);
        IommuDevice fn1 = core.addDevice(RequesterId.of(0, 2, 1), 1);
        core.removeDevice(fn0);
        assertEquals(List.of(fn1), fn1.group().devices());
        assertSame(fn1.group(), core.group(fn1.group().id()));
    }
}
