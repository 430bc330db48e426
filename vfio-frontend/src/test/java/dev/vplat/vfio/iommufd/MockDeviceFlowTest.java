package dev.vplat.vfio.iommufd;

import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import dev.vplat.vfio.hostiommu.IommufdMockBus;
import dev.vplat.vfio.hostiommu.MockHostDriver;
import dev.vplat.vfio.hostiommu.MockIommuDomain;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptGetDirtyBitmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptSetDirtyTracking;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomainFlags;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomainReplace;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static dev.vplat.vfio.iommufd.IommufdFixture.PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * iommufd on the selftest's mock devices, which are real devices of the IOMMU core behind the real
 * mock unit: what iommufd does must show up in the unit's page tables and in its translation of
 * device DMA.
 */
class MockDeviceFlowTest {
    private static final long BASE = MockIommu.APERTURE_START;
    private final IommufdFixture f = IommufdFixture.create();
    private final int ioas = f.ioasAlloc();

    private IommuDevice device(MockDomain md) {
        IommufdDevice idev = f.ctx().get(md.outIdevId(), IommufdDevice.class);
        return ((IommuCoreDeviceOps) idev.ops()).device();
    }

    private MockIommuDomain domain(int hwptId) {
        return (MockIommuDomain) f.ctx().get(hwptId, HwPagetable.class).domain();
    }

    private MockIommu unit() {
        return IommufdMockBus.of(f.kernel).driver().unit();
    }

    /** The guest-physical address of the page behind a user address. */
    private long gpa(long uva) {
        long[] pages = f.proc.memory().pin(uva & -PAGE, PAGE, false);
        f.proc.memory().unpin(pages);
        return pages[0];
    }

    private int allocHwpt(int flags, int idevId) {
        return f.call(IommufdIoctl.IOMMU_HWPT_ALLOC, new IommuHwptAlloc(48, flags, idevId, ioas, 0, 0, 0, 0, 0, 0, 0))
                .outHwptId();
    }

    @Test
    void mockDomainBindsAMockDeviceOwnedByTheContextAndAttachesItsAutomaticHwptInTheUnit() {
        MockDomain md = f.mockDomain(ioas);
        IommuDevice dev = device(md);
        assertSame(IommufdMockBus.of(f.kernel).driver(), dev.iommu());
        assertSame(f.ctx(), dev.group().owner(), "the iommufd context is the DMA owner");
        assertSame(domain(md.outHwptId()).hardware(), unit().domainOf(dev.rid()));
        assertEquals(1, f.counter("dma_owner_claims"));
    }

    @Test
    void mapLandsInTheUnitsTableAndDeviceDmaTranslatesToTheUserPages() {
        MockDomain md = f.mockDomain(ioas);
        long buf = f.buffer(2 * PAGE);
        f.map(ioas, FIXED_RW, buf, 2 * PAGE, BASE);
        var table = domain(md.outHwptId()).hardware();
        for (long off = 0; off < 2 * PAGE; off += MockIommu.PAGE_SIZE) {
            long expect = gpa(buf + off) + off % PAGE;
            assertEquals(expect, table.lookup(BASE + off), "mock page at +0x" + Long.toHexString(off));
        }
        assertEquals(Translation.ok(gpa(buf + PAGE) + 0x10, MockIommu.PAGE_SIZE - 0x10),
                unit().translate(device(md).rid(), -1, BASE + PAGE + 0x10, DmaDirection.WRITE));
    }

    @Test
    void unmapRemovesTheMappingFromTheUnitAndDeviceDmaFaults() {
        MockDomain md = f.mockDomain(ioas);
        f.map(ioas, FIXED_RW, f.buffer(PAGE), PAGE, BASE);
        assertEquals(PAGE, f.unmap(ioas, BASE, PAGE));
        assertEquals(0, domain(md.outHwptId()).hardware().mappedBytes());
        assertEquals(DmaStatus.TRANSLATION_FAULT,
                unit().translate(device(md).rid(), -1, BASE, DmaDirection.WRITE).status());
    }

    @Test
    void dirtyBitmapReportsThePagesDeviceDmaWrote() {
        MockDomain md = f.mockDomain(ioas);
        f.map(ioas, FIXED_RW, f.buffer(4 * PAGE), 4 * PAGE, BASE);
        int hwpt = allocHwpt(IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING, md.outIdevId());
        f.test(IommufdTestStructs.OP_MOCK_DOMAIN_REPLACE, md.outStdevId(), new MockDomainReplace(hwpt));
        f.call(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, new IommuHwptSetDirtyTracking(16, 1, hwpt, 0));
        MockIommu unit = unit();
        unit.translate(device(md).rid(), -1, BASE + 3 * MockIommu.PAGE_SIZE + 8, DmaDirection.WRITE);
        unit.translate(device(md).rid(), -1, BASE + 5 * MockIommu.PAGE_SIZE, DmaDirection.READ);
        long bitmap = f.buffer(PAGE);
        f.proc.memory().write(bitmap, new byte[8]);
        f.call(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, BASE, 4 * PAGE, MockIommu.PAGE_SIZE, bitmap));
        assertEquals((byte) 0b0000_1000, f.proc.memory().read(bitmap, 1)[0], "only the written 2 KiB page");
    }

    @Test
    void destroyingTheSelftestObjectUnbindsAndRemovesTheMockDevice() {
        MockDomain md = f.mockDomain(ioas);
        IommuDevice dev = device(md);
        int groups = f.kernel.service(IommuCore.class).groups().size();
        f.destroy(md.outStdevId());
        assertNull(f.kernel.service(IommuCore.class).device(dev.rid()));
        assertEquals(groups - 1, f.kernel.service(IommuCore.class).groups().size());
        assertEquals(0, IommufdMockBus.of(f.kernel).deviceCount());
        assertEquals(0, f.counter("dma_owner_claims"));
        assertNull(unit().domainOf(dev.rid()), "a removed device is left blocked");
    }

    @Test
    void closingTheIommufdRemovesEveryMockDevice() {
        f.mockDomain(ioas);
        f.mockDomain(ioas);
        f.exit();
        assertEquals(0, IommufdMockBus.of(f.kernel).deviceCount());
        assertEquals(0, f.counter("dma_owner_claims"));
    }

    @Test
    void noDirtyMockDeviceHasNoDirtyCapabilityAndRefusesDirtyHwpts() {
        MockDomain plain = f.mockDomain(ioas);
        int dirtyHwpt = allocHwpt(IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING, plain.outIdevId());
        MockDomainFlags nd = f.test(IommufdTestStructs.OP_MOCK_DOMAIN_FLAGS, ioas,
                new MockDomainFlags(0, 0, 0, MockHostDriver.DEVICE_NO_DIRTY)).body(MockDomainFlags.class);
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(48, IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING, nd.outIdevId(), ioas, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_TEST_CMD, IommufdFixture.testCmd(
                IommufdTestStructs.OP_MOCK_DOMAIN_REPLACE, nd.outStdevId(), new MockDomainReplace(dirtyHwpt))),
                "mock_domain_nop_attach refuses a domain with dirty ops");
        IommuHwInfo info = f.call(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 0, nd.outIdevId(), 0, 0, 0, (byte) 0, new byte[3], 0));
        assertEquals(0, info.outCapabilities());
    }

    @Test
    void unknownMockDeviceFlagsAreEinvalAndLeaveNoObjectOrDevice() {
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_TEST_CMD, IommufdFixture.testCmd(
                IommufdTestStructs.OP_MOCK_DOMAIN_FLAGS, ioas, new MockDomainFlags(0, 0, 0, 1 << 5))));
        assertEquals(1, f.ctx().objectCount(), "the IOAS only");
        assertEquals(0, IommufdMockBus.of(f.kernel).deviceCount());
    }

    @Test
    void failedAttachDestroysTheMockDeviceAgain() {
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_TEST_CMD,
                IommufdFixture.testCmd(IommufdTestStructs.OP_MOCK_DOMAIN, 99, new MockDomain(0, 0, 0))));
        assertEquals(0, IommufdMockBus.of(f.kernel).deviceCount());
        assertEquals(0, f.counter("dma_owner_claims"));
        assertEquals(1, f.ctx().objectCount());
    }
}
