package dev.vplat.iommu.mock;

import dev.vplat.iommu.UnitScope;
import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MockIommuTest {
    private static final RequesterId DEV = RequesterId.parse("00:03.0");
    private static final long IOVA = MockIommu.APERTURE_START;

    private final MockIommu mock = new MockIommu("mock0", UnitScope.includeAll());
    private final MockDomain domain = mock.allocateDomain();

    @Test
    void mappedPagesTranslateWithTwoKibContiguity() {
        domain.map(IOVA, 0x10_0000, 4096, MockDomain.PERM_READ | MockDomain.PERM_WRITE);
        mock.attach(DEV, domain);
        assertEquals(Translation.ok(0x10_0100, 2048 - 0x100), mock.translate(DEV, -1, IOVA + 0x100, DmaDirection.READ));
        assertEquals(Translation.ok(0x10_0800, 2048), mock.translate(DEV, -1, IOVA + 0x800, DmaDirection.WRITE));
    }

    @Test
    void unattachedDeviceIsBlockedAndUnmappedIovaFaults() {
        assertEquals(DmaStatus.TRANSLATION_FAULT, mock.translate(DEV, -1, IOVA, DmaDirection.READ).status());
        mock.attach(DEV, domain);
        assertEquals(DmaStatus.TRANSLATION_FAULT, mock.translate(DEV, -1, IOVA, DmaDirection.READ).status());
        assertEquals(2, mock.faults().size());
    }

    @Test
    void readOnlyPageRefusesWrites() {
        domain.map(IOVA, 0x10_0000, 2048, MockDomain.PERM_READ);
        mock.attach(DEV, domain);
        assertEquals(DmaStatus.PERMISSION_FAULT, mock.translate(DEV, -1, IOVA, DmaDirection.WRITE).status());
    }

    @Test
    void mapChecksAlignmentApertureAndOverlap() {
        assertEquals(MockIommuException.EINVAL, assertThrows(MockIommuException.class,
                () -> domain.map(IOVA + 1024, 0, 2048, MockDomain.PERM_READ)).errno());
        assertEquals(MockIommuException.EINVAL, assertThrows(MockIommuException.class,
                () -> domain.map(0, 0, 2048, MockDomain.PERM_READ)).errno());
        assertEquals(MockIommuException.EINVAL, assertThrows(MockIommuException.class,
                () -> domain.map(MockIommu.APERTURE_LAST + 1 - 2048, 0, 4096, MockDomain.PERM_READ)).errno());
        domain.map(MockIommu.APERTURE_LAST + 1 - 2048, 0, 2048, MockDomain.PERM_READ);
        domain.map(IOVA, 0, 8192, MockDomain.PERM_READ);
        assertEquals(MockIommuException.EEXIST, assertThrows(MockIommuException.class,
                () -> domain.map(IOVA + 6144, 0, 4096, MockDomain.PERM_READ)).errno());
    }

    @Test
    void unmapReturnsBytesRemovedAndLookupFollows() {
        domain.map(IOVA, 0x20_0000, 8192, MockDomain.PERM_READ);
        assertEquals(0x20_0804, domain.lookup(IOVA + 0x804));
        assertEquals(4096, domain.unmap(IOVA + 2048, 4096));
        assertEquals(-1, domain.lookup(IOVA + 2048));
        assertEquals(0x20_1800, domain.lookup(IOVA + 6144));
        assertEquals(0, domain.unmap(IOVA + 2048, 4096));
    }

    @Test
    void dmaWritesMarkPagesDirtyOnlyWhileTrackingAndReadingClears() {
        domain.map(IOVA, 0x30_0000, 8192, MockDomain.PERM_READ | MockDomain.PERM_WRITE);
        mock.attach(DEV, domain);
        mock.translate(DEV, -1, IOVA, DmaDirection.WRITE);
        assertEquals(List.of(), domain.readDirty(IOVA, 8192, false));
        domain.setDirtyTracking(true);
        mock.translate(DEV, -1, IOVA + 4096, DmaDirection.WRITE);
        mock.translate(DEV, -1, IOVA + 2048, DmaDirection.READ);
        assertEquals(List.of(IOVA + 4096), domain.readDirty(IOVA, 8192, false));
        assertEquals(List.of(IOVA + 4096), domain.readDirty(IOVA, 8192, true));
        assertEquals(List.of(), domain.readDirty(IOVA, 8192, true));
    }

    @Test
    void passThroughDeviceIsUntranslatedUntilAttachedOrDetached() {
        mock.attachIdentity(DEV);
        assertEquals(Translation.identity(0x5000), mock.translate(DEV, -1, 0x5000, DmaDirection.WRITE));
        assertEquals(DmaStatus.TRANSLATION_FAULT, mock.translate(DEV, 1, 0x5000, DmaDirection.WRITE).status(),
                "the mock offers no PASID support, pass-through or not");
        mock.attach(DEV, domain);
        assertEquals(DmaStatus.TRANSLATION_FAULT, mock.translate(DEV, -1, 0x5000, DmaDirection.READ).status());
        mock.attachIdentity(DEV);
        mock.detach(DEV);
        assertEquals(DmaStatus.TRANSLATION_FAULT, mock.translate(DEV, -1, 0x5000, DmaDirection.READ).status());
    }

    @Test
    void everyDeviceIsItsOwnGroupAndOutOfScopeAttachIsRefused() {
        MockIommu scoped = new MockIommu("m", UnitScope.parse("00:03.0"));
        assertEquals(0x18, scoped.groupOf(DEV));
        assertThrows(MockIommuException.class, () -> scoped.attach(RequesterId.parse("00:04.0"), domain));
        assertEquals(Translation.identity(0x1234), scoped.translate(RequesterId.parse("00:04.0"), -1, 0x1234, DmaDirection.READ));
    }

    @Test
    void deviceTypeIsRegistered() {
        DeviceRegistry registry = DeviceRegistry.discover(MockIommuTest.class.getClassLoader(), "test");
        Object unit = registry.find("mock-iommu").create(OptionString.parse("mock-iommu,scope=00:03.0+00:05.0"));
        assertInstanceOf(MockIommu.class, unit);
        assertEquals(2, ((MockIommu) unit).scope().requesters().size());
    }
}
