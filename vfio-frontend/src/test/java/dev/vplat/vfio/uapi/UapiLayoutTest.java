package dev.vplat.vfio.uapi;

import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuOption;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceDetachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioRegionInfo;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sizes, member offsets and request codes of the uAPI structs, checked against
 * include/uapi/linux/iommufd.h and vfio.h (sizes are the kernel's sizeof or minsz).
 */
class UapiLayoutTest {
    @Test
    void structSizesMatchTheLinux618Header() {
        assertEquals(8, Uapi.sizeOf(IommufdStructs.IommuDestroy.class));
        assertEquals(12, Uapi.sizeOf(IommufdStructs.IommuIoasAlloc.class));
        assertEquals(24, Uapi.sizeOf(IommufdStructs.IommuIoasAllowIovas.class));
        assertEquals(40, Uapi.sizeOf(IommufdStructs.IommuIoasCopy.class));
        assertEquals(32, Uapi.sizeOf(IommufdStructs.IommuIoasIovaRanges.class));
        assertEquals(40, Uapi.sizeOf(IommuIoasMap.class));
        assertEquals(24, Uapi.sizeOf(IommufdStructs.IommuIoasUnmap.class));
        assertEquals(24, Uapi.sizeOf(IommuOption.class));
        assertEquals(12, Uapi.sizeOf(IommufdStructs.IommuVfioIoas.class));
        assertEquals(48, Uapi.sizeOf(IommuHwptAlloc.class));
        assertEquals(40, Uapi.sizeOf(IommuHwInfo.class));
        assertEquals(16, Uapi.sizeOf(IommufdStructs.IommuHwptSetDirtyTracking.class));
        assertEquals(48, Uapi.sizeOf(IommufdStructs.IommuHwptGetDirtyBitmap.class));
        assertEquals(24, Uapi.sizeOf(IommufdStructs.IommuHwInfoVtd.class));
        assertEquals(16, Uapi.sizeOf(IommufdStructs.IommuIovaRange.class));
    }

    @Test
    void minimumSizesAreOffsetOfEndOfTheKernelsLastMember() {
        assertEquals(40, Uapi.offsetOfEnd(IommuIoasMap.class, "iova"));
        assertEquals(24, Uapi.offsetOfEnd(IommuHwptAlloc.class, "reserved"));
        assertEquals(32, Uapi.offsetOfEnd(IommuHwInfo.class, "reserved"));
        assertEquals(24, Uapi.offsetOfEnd(IommuOption.class, "val64"));
        assertEquals(16, Uapi.offsetOf(IommuOption.class, "val64"));
        assertEquals(29, Uapi.offsetOf(IommuHwInfo.class, "reserved"));
    }

    @Test
    void testCmdHasTheEightByteAlignedUnionAndLastAt64() {
        assertEquals(16, Uapi.offsetOf(IommuTestCmd.class, "body"));
        assertEquals(64, Uapi.offsetOf(IommuTestCmd.class, "last"));
        assertEquals(72, Uapi.sizeOf(IommuTestCmd.class));
    }

    @Test
    void encodingIsLittleEndianInDeclarationOrder() {
        byte[] b = Uapi.encode(new IommuOption(24, 1, (short) 1, (short) 0, 7, 0x1122334455667788L));
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(24, bb.getInt(0));
        assertEquals(1, bb.getInt(4));
        assertEquals(1, bb.getShort(8));
        assertEquals(7, bb.getInt(12));
        assertEquals(0x1122334455667788L, bb.getLong(16));
        assertEquals((byte) 0x88, b[16]);
    }

    @Test
    void decodeOfAShortBufferReadsMissingMembersAsZero() {
        IommuIoasMap m = Uapi.decode(IommuIoasMap.class, new byte[] {16, 0, 0, 0, 6});
        assertEquals(16, m.size());
        assertEquals(6, m.flags());
        assertEquals(0, m.iova());
    }

    @Test
    void encodeThenDecodeRoundTrips() {
        IommuHwInfo info = new IommuHwInfo(40, 1, 3, 24, 0x7f00_0000_1000L, 1, (byte) 5, new byte[] {0, 0, 0}, 1);
        IommuHwInfo back = Uapi.decode(IommuHwInfo.class, Uapi.encode(info));
        assertEquals(info.dataUptr(), back.dataUptr());
        assertEquals(info.outMaxPasidLog2(), back.outMaxPasidLog2());
        assertArrayEquals(info.reserved(), back.reserved());
        assertEquals(info.outCapabilities(), back.outCapabilities());
    }

    @Test
    void requestCodesAreIoOfTypeSemicolonFromBase0x80() {
        assertEquals(0x3b80, IommufdIoctl.IOMMU_DESTROY);
        assertEquals(0x3b81, IommufdIoctl.IOMMU_IOAS_ALLOC);
        assertEquals(0x3b82, IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS);
        assertEquals(0x3b83, IommufdIoctl.IOMMU_IOAS_COPY);
        assertEquals(0x3b84, IommufdIoctl.IOMMU_IOAS_IOVA_RANGES);
        assertEquals(0x3b85, IommufdIoctl.IOMMU_IOAS_MAP);
        assertEquals(0x3b86, IommufdIoctl.IOMMU_IOAS_UNMAP);
        assertEquals(0x3b87, IommufdIoctl.IOMMU_OPTION);
        assertEquals(0x3b88, IommufdIoctl.IOMMU_VFIO_IOAS);
        assertEquals(0x3b89, IommufdIoctl.IOMMU_HWPT_ALLOC);
        assertEquals(0x3b8a, IommufdIoctl.IOMMU_GET_HW_INFO);
        assertEquals(0x3b8b, IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING);
        assertEquals(0x3b8c, IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP);
        assertEquals(0x3b8d, IommufdIoctl.IOMMU_HWPT_INVALIDATE);
        assertEquals(0x3b94, IommufdIoctl.IOMMU_HW_QUEUE_ALLOC);
        assertEquals(0x3ba0, IommufdIoctl.IOMMU_TEST_CMD);
    }

    @Test
    void vfioStructSizesMatchTheLinux618Header() {
        assertEquals(8, Uapi.sizeOf(VfioStructs.VfioGroupStatus.class));
        assertEquals(24, Uapi.sizeOf(VfioStructs.VfioDeviceInfo.class));
        assertEquals(32, Uapi.sizeOf(VfioRegionInfo.class));
        assertEquals(16, Uapi.sizeOf(VfioStructs.VfioIrqInfo.class));
        assertEquals(20, Uapi.sizeOf(VfioStructs.VfioIrqSet.class));
        assertEquals(24, Uapi.sizeOf(VfioStructs.VfioIommuType1Info.class));
        assertEquals(32, Uapi.sizeOf(VfioStructs.VfioIommuType1DmaMap.class));
        assertEquals(24, Uapi.sizeOf(VfioStructs.VfioIommuType1DmaUnmap.class));
        assertEquals(24, Uapi.sizeOf(VfioDeviceBindIommufd.class));
        assertEquals(16, Uapi.sizeOf(VfioDeviceAttachIommufdPt.class));
        assertEquals(12, Uapi.sizeOf(VfioDeviceDetachIommufdPt.class));
    }

    @Test
    void cdevMinimumSizesAreTheirFirstLayoutsWithoutTokenOrPasid() {
        assertEquals(16, Uapi.offsetOfEnd(VfioDeviceBindIommufd.class, "outDevid"));
        assertEquals(12, Uapi.offsetOfEnd(VfioDeviceAttachIommufdPt.class, "ptId"));
        assertEquals(8, Uapi.offsetOfEnd(VfioDeviceDetachIommufdPt.class, "flags"));
    }

    @Test
    void ioasMapPutsUserVaAt16LengthAt24IovaAt32() {
        assertEquals(8, Uapi.offsetOf(IommuIoasMap.class, "ioasId"));
        assertEquals(12, Uapi.offsetOf(IommuIoasMap.class, "reserved"));
        assertEquals(16, Uapi.offsetOf(IommuIoasMap.class, "userVa"));
        assertEquals(24, Uapi.offsetOf(IommuIoasMap.class, "length"));
        assertEquals(32, Uapi.offsetOf(IommuIoasMap.class, "iova"));
    }

    @Test
    void optionPacksU16OpAndReservedBeforeObjectId() {
        assertEquals(8, Uapi.offsetOf(IommuOption.class, "op"));
        assertEquals(10, Uapi.offsetOf(IommuOption.class, "reserved"));
        assertEquals(12, Uapi.offsetOf(IommuOption.class, "objectId"));
    }

    @Test
    void hwptAllocHasDataUptrAt32AndFaultIdAt40() {
        assertEquals(8, Uapi.offsetOf(IommuHwptAlloc.class, "devId"));
        assertEquals(12, Uapi.offsetOf(IommuHwptAlloc.class, "ptId"));
        assertEquals(32, Uapi.offsetOf(IommuHwptAlloc.class, "dataUptr"));
        assertEquals(40, Uapi.offsetOf(IommuHwptAlloc.class, "faultId"));
    }

    @Test
    void hwInfoHasDataTypeAt24PasidByteAt28AndCapabilitiesAt32() {
        assertEquals(24, Uapi.offsetOf(IommuHwInfo.class, "dataType"));
        assertEquals(28, Uapi.offsetOf(IommuHwInfo.class, "outMaxPasidLog2"));
        assertEquals(32, Uapi.offsetOf(IommuHwInfo.class, "outCapabilities"));
    }

    @Test
    void regionInfoDecodesSizeAndTheIndexShiftedOffset() {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(32).putInt(VfioIoctl.REGION_INFO_FLAG_READ | VfioIoctl.REGION_INFO_FLAG_WRITE).putInt(7).putInt(0)
                .putLong(4096).putLong(7L << 40);
        assertEquals(new VfioRegionInfo(32, 3, 7, 0, 4096, VfioIoctl.regionOffset(7)),
                Uapi.decode(VfioRegionInfo.class, b.array()));
    }

    @Test
    void arraysEncodeBackToBackAndDecodeTheFirstCount() {
        List<IommuIovaRange> ranges = List.of(new IommuIovaRange(0x1000, 0x1fff), new IommuIovaRange(1L << 32, -1L));
        byte[] b = Uapi.encodeArray(ranges);
        assertEquals(32, b.length);
        assertEquals(1L << 32, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(16));
        assertEquals(ranges.subList(0, 1), Uapi.decodeArray(IommuIovaRange.class, b, 1));
        assertEquals(ranges, Uapi.decodeArray(IommuIovaRange.class, b, 2));
    }

    @Test
    void vfioRequestCodesAreIoOfTypeSemicolonFromBase100() {
        assertEquals(0x3b64, VfioIoctl.GET_API_VERSION);
        assertEquals(0x3b71, VfioIoctl.IOMMU_MAP_DMA);
        assertEquals(0x3b76, VfioIoctl.DEVICE_BIND_IOMMUFD);
    }
}
