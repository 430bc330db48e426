package dev.vplat.guest.client.uapi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Field offsets of the uAPI structs, checked against include/uapi/linux/iommufd.h and vfio.h
 * (packed, little-endian; sizes are the kernel's sizeof or minsz).
 */
class UapiLayoutTest {
    private static long at(byte[] b, int offset, int width) {
        byte[] field = new byte[width];
        System.arraycopy(b, offset, field, 0, width);
        return LeReader.value(field);
    }

    @Test
    void ioctlNumbersAreUnderscoreIoOnTheSemicolonType() {
        assertEquals(0x3b85, IommufdIoctl.IOMMU_IOAS_MAP);
        assertEquals(0x3b80, IommufdIoctl.IOMMU_DESTROY);
        assertEquals(0x3b8c, IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP);
        assertEquals(0x3b76, VfioIoctl.VFIO_DEVICE_BIND_IOMMUFD);
        assertEquals(0x3b64, VfioIoctl.VFIO_GET_API_VERSION);
        assertEquals(0x3b71, VfioIoctl.VFIO_IOMMU_MAP_DMA);
    }

    @Test
    void ioasMapPutsUserVaAt16LengthAt24IovaAt32() {
        byte[] b = new IommuIoasMap(IommuIoasMap.READABLE, 2, 0x7f0000001000L, 0x4000, 0x10000).encode();
        assertEquals(40, b.length);
        assertEquals(40, at(b, 0, 4));
        assertEquals(4, at(b, 4, 4));
        assertEquals(2, at(b, 8, 4));
        assertEquals(0, at(b, 12, 4));
        assertEquals(0x7f0000001000L, at(b, 16, 8));
        assertEquals(0x4000, at(b, 24, 8));
        assertEquals(0x10000, at(b, 32, 8));
        assertEquals(new IommuIoasMap(IommuIoasMap.READABLE, 2, 0x7f0000001000L, 0x4000, 0x10000), IommuIoasMap.decode(b));
    }

    @Test
    void optionPacksU16OpAndReservedBeforeObjectId() {
        byte[] b = new IommuOption(IommuOption.HUGE_PAGES, IommuOption.OP_GET, 9, 1).encode();
        assertEquals(24, b.length);
        assertEquals(1, at(b, 4, 4));
        assertEquals(1, at(b, 8, 2));
        assertEquals(0, at(b, 10, 2));
        assertEquals(9, at(b, 12, 4));
        assertEquals(1, at(b, 16, 8));
    }

    @Test
    void hwptAllocIs48BytesWithDataUptrAt32AndFaultIdAt40() {
        byte[] b = new IommuHwptAlloc(IommuHwptAlloc.DIRTY_TRACKING, 1, 2, 0, 0, 0, 0xabc000L, 7).encode();
        assertEquals(48, b.length);
        assertEquals(1, at(b, 8, 4));
        assertEquals(2, at(b, 12, 4));
        assertEquals(0xabc000L, at(b, 32, 8));
        assertEquals(7, at(b, 40, 4));
    }

    @Test
    void hwInfoHasPasidByteAt28AndCapabilitiesAt32() {
        byte[] b = new IommuHwInfo(0, 1, 64, 0x1000, IommuHwInfo.TYPE_INTEL_VTD, 20, IommuHwInfo.CAP_DIRTY_TRACKING)
                .encode();
        assertEquals(40, b.length);
        assertEquals(1, at(b, 24, 4));
        assertEquals(20, at(b, 28, 1));
        assertEquals(1, at(b, 32, 8));
        assertEquals(20, IommuHwInfo.decode(b).outMaxPasidLog2());
    }

    @Test
    void structSizesMatchTheKernelHeaders() {
        assertEquals(8, new IommuDestroy(1).encode().length);
        assertEquals(12, new IommuIoasAlloc(0, 0).encode().length);
        assertEquals(24, new IommuIoasAllowIovas(1, 0, 0).encode().length);
        assertEquals(40, new IommuIoasCopy(0, 1, 2, 0, 0, 0).encode().length);
        assertEquals(32, new IommuIoasIovaRanges(1, 0, 0, 0).encode().length);
        assertEquals(24, new IommuIoasUnmap(1, 0, 0).encode().length);
        assertEquals(12, new IommuVfioIoas(0, 0).encode().length);
        assertEquals(16, new IommuHwptSetDirtyTracking(0, 1).encode().length);
        assertEquals(48, new IommuHwptGetDirtyBitmap(1, 0, 0, 0, 0, 0).encode().length);
        assertEquals(16, new VfioDeviceBindIommufd(0, 3, 0).encode().length);
        assertEquals(12, new VfioDeviceAttachIommufdPt(0, 1).encode().length);
        assertEquals(8, new VfioDeviceDetachIommufdPt(0).encode().length);
        assertEquals(24, new VfioDeviceInfo(0, 0, 0, 0).encode().length);
        assertEquals(32, new VfioRegionInfo(0, 0, 0, 0, 0).encode().length);
        assertEquals(16, new VfioIrqInfo(0, 0, 0).encode().length);
        assertEquals(8, new VfioGroupStatus(0).encode().length);
        assertEquals(24, new VfioIommuType1Info(24, 0, 0, 0).encode().length);
        assertEquals(32, new VfioIommuType1DmaMap(0, 0, 0, 0).encode().length);
        assertEquals(24, new VfioIommuType1DmaUnmap(0, 0, 0).encode().length);
    }

    @Test
    void irqSetArgszCoversHeaderAndOneS32PerEventfd() {
        byte[] b = VfioIrqSet.eventfds(VfioIoctl.VFIO_PCI_MSIX_IRQ_INDEX, 0, 5, -1).encode();
        assertEquals(28, b.length);
        assertEquals(28, at(b, 0, 4));
        assertEquals(VfioIrqSet.DATA_EVENTFD | VfioIrqSet.ACTION_TRIGGER, at(b, 4, 4));
        assertEquals(2, at(b, 8, 4));
        assertEquals(2, at(b, 16, 4));
        assertEquals(5, at(b, 20, 4));
        assertEquals(0xffffffffL, at(b, 24, 4));
    }

    @Test
    void regionInfoDecodesSizeAndOffset() {
        byte[] b = new LeWriter().u32(32).u32(VfioRegionInfo.FLAG_READ | VfioRegionInfo.FLAG_WRITE).u32(7).u32(0)
                .u64(4096).u64(7L << 40).toBytes();
        assertEquals(new VfioRegionInfo(3, 7, 0, 4096, VfioIoctl.regionOffset(7, 0)), VfioRegionInfo.decode(b));
    }
}
