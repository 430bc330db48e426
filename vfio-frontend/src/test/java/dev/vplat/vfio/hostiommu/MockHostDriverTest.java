package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuCap;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.UnitOwner;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.testing.TestMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mock host driver against the mock IOMMU model, booted by the host stack for a machine's
 * mock unit: the selftest geometry (drivers/iommu/iommufd/selftest.c), and device DMA really
 * passed through, blocked or translated by what the driver programs.
 */
class MockHostDriverTest {
    private static final long START = MockIommu.APERTURE_START;
    private static final long LAST = MockIommu.APERTURE_LAST;
    private static final int RW = PagingDomain.PROT_READ | PagingDomain.PROT_WRITE;

    private final TestMachine m = new TestMachine();
    private final Object user = new Object();
    private MockIommu unit;

    private HostStack boot(DomainType defaultDomain) {
        unit = m.mockIommu("mock0", "all");
        m.plug("dev", "dmatest", "", "03.0");
        m.realize();
        HostStack stack = HostStack.boot(m.kernel, m.pci, defaultDomain);
        PciFunction f = m.pci.function("dev");
        f.configWrite(0x04, 2, f.configRead(0x04, 2) | 0x4);
        return stack;
    }

    private HostStack boot() {
        return boot(DomainType.IDENTITY);
    }

    private IommuDevice device(HostStack stack, String id) {
        return stack.iommu().device(m.pci.function(id).requesterId());
    }

    /** Rebinds the device to vfio-pci and claims it, as an iommufd bind does. */
    private IommuDevice claim(HostStack stack) {
        String bdf = m.pci.function("dev").requesterId().bdf();
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
        IommuDevice dev = device(stack, "dev");
        dev.claimDmaOwner(user);
        return dev;
    }

    private DmaResult dmaWrite(long iova, long value) {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        return m.dmaDevice("dev").context().dma().write(iova, data, 0, 8);
    }

    private long ram64(long gpa) {
        return m.machine.system().readRam(gpa, 8);
    }

    private static void assertErrno(Errno expected, Executable call) {
        assertEquals(expected, assertThrows(ErrnoException.class, call).errno());
    }

    @Test
    void pagingDomainHasTheSelftestGeometry() {
        PagingDomain d = device(boot(), "dev").allocPagingDomain(0);
        assertEquals(2048, d.pageSizeBitmap(), "pgsize_bitmap = MOCK_IO_PAGE_SIZE");
        assertEquals(1L << 24, d.apertureStart(), "MOCK_APERTURE_START");
        assertEquals((1L << 31) - 1, d.apertureEnd(), "MOCK_APERTURE_LAST");
        assertEquals("mock", d.driverName());
        assertSame(DomainType.UNMANAGED, d.type());
    }

    @Test
    void mapOutsideTheApertureOrOffTheTwoKibGridIsEinvalAndMapsNothing() {
        PagingDomain d = device(boot(), "dev").allocPagingDomain(0);
        assertErrno(Errno.EINVAL, () -> d.map(START - 2048, 0x10_0000, 2048, RW));
        assertErrno(Errno.EINVAL, () -> d.map(LAST + 1 - 2048, 0x10_0000, 4096, RW));
        assertErrno(Errno.EINVAL, () -> d.map(START + 1024, 0x10_0000, 2048, RW));
        assertErrno(Errno.EINVAL, () -> d.map(START, 0x10_0400, 2048, RW));
        assertErrno(Errno.EINVAL, () -> d.map(START, 0x10_0000, 3072, RW));
        assertEquals(-1, d.iovaToPhys(START));
        d.map(LAST + 1 - 2048, 0x10_0000, 2048, RW);
        assertEquals(0x10_07FF, d.iovaToPhys(LAST));
    }

    @Test
    void mappingOverAMappedPageIsEexistAndKeepsTheOldMapping() {
        PagingDomain d = device(boot(), "dev").allocPagingDomain(0);
        d.map(START + 2048, 0x20_0000, 2048, RW);
        assertErrno(Errno.EEXIST, () -> d.map(START, 0x30_0000, 8192, RW));
        assertEquals(-1, d.iovaToPhys(START));
        assertEquals(0x20_0000, d.iovaToPhys(START + 2048));
    }

    @Test
    void identityDefaultDomainPassesDeviceDmaThrough() {
        HostStack stack = boot();
        assertTrue(dmaWrite(0x10_0000, 0x1122_3344_5566_7788L).ok());
        assertEquals(0x1122_3344_5566_7788L, ram64(0x10_0000));
        assertEquals(DomainType.IDENTITY, device(stack, "dev").group().domain().type());
        assertSame(stack.mockDriver("mock0"), device(stack, "dev").iommu());
        assertEquals(UnitOwner.HOST, stack.unitOwners().get("mock0"), "a register-less unit is always the host's");
    }

    @Test
    void dmaDefaultDomainTranslatesThroughAnEmptyTable() {
        HostStack stack = boot(DomainType.DMA);
        assertEquals(DomainType.DMA, device(stack, "dev").group().domain().type());
        assertEquals(DmaStatus.TRANSLATION_FAULT, dmaWrite(0x10_0000, 1).status());
        assertEquals(0, ram64(0x10_0000));
    }

    @Test
    void claimBlocksDmaAndTheUnitLogsTheFault() {
        HostStack stack = boot();
        claim(stack);
        assertEquals(DmaStatus.TRANSLATION_FAULT, dmaWrite(0x10_0000, 7).status());
        assertEquals(0, ram64(0x10_0000));
        assertEquals(List.of(new MockIommu.Fault(m.pci.function("dev").requesterId(), 0x10_0000, DmaDirection.WRITE, false)),
                unit.faults());
    }

    @Test
    void attachedPagingDomainTranslatesDeviceDmaAndUnmapMakesItFault() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack);
        PagingDomain d = dev.allocPagingDomain(0);
        d.map(START, 0x20_0000, 4096, RW);
        dev.attach(d, user);
        assertTrue(dmaWrite(START + 2048 + 8, 0xCAFE).ok());
        assertEquals(0xCAFE, ram64(0x20_0808));
        assertSame(((MockIommuDomain) d).hardware(), unit.domainOf(dev.rid()));
        assertEquals(4096, d.unmap(START, 4096));
        assertEquals(DmaStatus.TRANSLATION_FAULT, dmaWrite(START + 2048 + 8, 1).status());
        assertEquals(0xCAFE, ram64(0x20_0808));
    }

    @Test
    void readOnlyMappingRefusesDeviceWritesWithAPermissionFault() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack);
        PagingDomain d = dev.allocPagingDomain(0);
        d.map(START, 0x20_0000, 2048, PagingDomain.PROT_READ);
        dev.attach(d, user);
        assertEquals(DmaStatus.PERMISSION_FAULT, dmaWrite(START, 5).status());
        assertTrue(unit.faults().get(0).permission());
    }

    @Test
    void dirtyTrackingRecordsDeviceWritesPerTwoKibPage() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack);
        PagingDomain d = dev.allocPagingDomain(HostIommu.ALLOC_DIRTY_TRACKING);
        assertTrue(d.supportsDirtyTracking());
        d.map(START, 0x20_0000, 8192, RW);
        dev.attach(d, user);
        d.setDirtyTracking(true);
        assertTrue(dmaWrite(START + 2048 + 16, 3).ok());
        List<Long> dirty = new ArrayList<>();
        d.readAndClearDirty(START, 8192, true, dirty::add);
        assertEquals(List.of(START + 2048), dirty);
        dirty.clear();
        d.readAndClearDirty(START, 8192, false, dirty::add);
        assertEquals(List.of(START + 2048), dirty, "NO_CLEAR kept the bit");
        dirty.clear();
        d.readAndClearDirty(START, 8192, false, dirty::add);
        assertEquals(List.of(), dirty, "the previous read cleared it");
    }

    @Test
    void dirtyOpsNeedTheAllocationFlagAndReadingNeedsTrackingOn() {
        IommuDevice dev = device(boot(), "dev");
        PagingDomain plain = dev.allocPagingDomain(0);
        assertErrno(Errno.EINVAL, () -> plain.setDirtyTracking(true));
        PagingDomain dirty = dev.allocPagingDomain(HostIommu.ALLOC_DIRTY_TRACKING);
        assertErrno(Errno.EINVAL, () -> dirty.readAndClearDirty(START, 2048, false, iova -> { }));
    }

    @Test
    void nestParentIsAcceptedAndOtherFlagsAreEopnotsupp() {
        IommuDevice dev = device(boot(), "dev");
        assertEquals(DomainType.UNMANAGED, dev.allocPagingDomain(HostIommu.ALLOC_NEST_PARENT).type());
        assertErrno(Errno.EOPNOTSUPP, () -> dev.allocPagingDomain(1 << 3));
    }

    @Test
    void everyDeviceBehindTheMockHasItsOwnGroup() {
        m.plug("fn1", "dmatest", "", "03.1");
        HostStack stack = boot();
        assertNotSame(device(stack, "dev").group(), device(stack, "fn1").group(),
                "a multifunction slot without ACS would share a group under PCI rules");
    }

    @Test
    void domainOfAnotherMockUnitIsEinval() {
        m.mockIommu("mock1", "00:04.0");
        m.plug("other", "dmatest", "", "04.0");
        HostStack stack = boot();
        IommuDevice dev = claim(stack);
        PagingDomain foreign = device(stack, "other").allocPagingDomain(0);
        assertErrno(Errno.EINVAL, () -> dev.attach(foreign, user));
    }

    @Test
    void hwInfoIsTheSelftestStructAndThereAreNoReservedRegions() {
        IommuDevice dev = device(boot(), "dev");
        IommuHwInfo info = dev.hwInfo();
        assertEquals(0xfeedbeef, info.type(), "IOMMU_HW_INFO_TYPE_SELFTEST");
        assertArrayEquals(new byte[] {0, 0, 0, 0, (byte) 0xef, (byte) 0xbe, (byte) 0xad, (byte) 0xde}, info.data(),
                "struct iommu_test_hw_info {flags = 0; test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL}");
        assertEquals(List.of(), dev.reservedRegions());
    }

    @Test
    void coherencyAndDirtyTrackingAreCapabilitiesOfEveryDeviceWithoutFlags() {
        IommuDevice dev = device(boot(), "dev");
        assertTrue(dev.capable(IommuCap.CACHE_COHERENCY));
        assertTrue(dev.capable(IommuCap.DIRTY_TRACKING));
    }

    @Test
    void noDirtyDeviceLacksTheCapabilityAndCannotAttachADirtyDomain() {
        HostStack stack = boot();
        MockHostDriver driver = stack.mockDriver("mock0");
        IommuDevice dev = claim(stack);
        driver.setDeviceFlags(dev.rid(), MockHostDriver.DEVICE_NO_DIRTY);
        assertEquals(false, dev.capable(IommuCap.DIRTY_TRACKING));
        PagingDomain d = dev.allocPagingDomain(HostIommu.ALLOC_DIRTY_TRACKING);
        d.map(START, 0x20_0000, 2048, RW);
        assertErrno(Errno.EINVAL, () -> dev.attach(d, user));
        assertEquals(DomainType.BLOCKED, dev.group().domain().type());
        assertEquals(DmaStatus.TRANSLATION_FAULT, dmaWrite(START, 1).status(), "still blocked");
    }

    @Test
    void unknownDeviceFlagsAreEinval() {
        HostStack stack = boot();
        assertErrno(Errno.EINVAL, () -> stack.mockDriver("mock0").setDeviceFlags(m.pci.function("dev").requesterId(), 2));
    }

    @Test
    void releaseRestoresPassThrough() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack);
        PagingDomain d = dev.allocPagingDomain(0);
        dev.attach(d, user);
        dev.releaseDmaOwner(user);
        assertTrue(dmaWrite(0x50_0000, 9).ok());
        assertEquals(9, ram64(0x50_0000));
        assertTrue(unit.isPassThrough(dev.rid()));
    }
}
