package dev.vplat.iommu.vtd;

import dev.vplat.platform.irq.MsiMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InvalidationQueueTest {
    @Test
    void iqaReadsBackAndQieReportsInGsts() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        assertEquals(h.queue, h.r64(VtdRegs.IQA));
        assertEquals(VtdRegs.QIE, h.r32(VtdRegs.GSTS));
        assertEquals(0, h.r64(VtdRegs.IQH));
    }

    @Test
    void waitDescriptorWritesStatusDwordAndAdvancesHead() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        long status = h.alloc(1);
        h.poke(status, 0x1111_1111_0000_0000L);
        h.submit(0x12, 0);
        h.submit(VtdHarness.waitStatus(0xDEAD_BEEFL), status);
        assertEquals(0x20, h.r64(VtdRegs.IQH));
        assertEquals(0x1111_1111_DEAD_BEEFL, h.peek(status));   // a 32-bit write
    }

    @Test
    void waitWithInterruptFlagSetsIwcAndCompletionEventObeysMask() {
        VtdHarness h = VtdHarness.create();
        h.w32(VtdRegs.IEDATA, 0x51);
        h.w32(VtdRegs.IEADDR, 0xFEE0_0000L);
        h.enableQueue(false);
        h.submit(0x15, 0);
        assertEquals(1, h.r32(VtdRegs.ICS));
        assertEquals(0xC000_0000L, h.r32(VtdRegs.IECTL));
        assertTrue(h.msis.isEmpty());
        h.w32(VtdRegs.IECTL, 0);
        assertEquals(List.of(new MsiMessage(0xFEE0_0000L, 0x51, -1)), h.msis);
        h.w32(VtdRegs.ICS, 1);
        assertEquals(0, h.r32(VtdRegs.ICS));
    }

    @Test
    void waitWithStatusWriteAndInterruptTogetherDoesBoth() {
        VtdHarness h = VtdHarness.create();
        h.w32(VtdRegs.IECTL, 0);
        h.enableQueue(false);
        long status = h.alloc(1);
        h.submit(VtdHarness.waitStatus(2) | 0x10, status);
        assertEquals(2, h.peek(status));
        assertEquals(1, h.r32(VtdRegs.ICS));
        assertEquals(1, h.msis.size());
    }

    @Test
    void fenceOnlyWaitIsLegal() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        h.submit(0x45, 0);
        assertEquals(0, h.r32(VtdRegs.FSTS));
        assertEquals(0x10, h.r64(VtdRegs.IQH));
    }

    @Test
    void badDescriptorStopsTheQueueAtItUntilIqeIsCleared() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        long status = h.alloc(1);
        h.submit(0x12, 0);
        h.put(0x0F, 0);                                   // invalid type
        h.put(VtdHarness.waitStatus(7), status);
        h.submit();
        assertEquals(0x10, h.r64(VtdRegs.IQH));
        assertEquals(VtdRegs.FSTS_IQE, h.r32(VtdRegs.FSTS));
        assertEquals(InvalidationQueue.IQEI_INVALID_TYPE, h.r64(VtdRegs.IQERCD) & 0xF);
        assertEquals(0, h.peek(status));
        assertEquals(0xC000_0000L, h.r32(VtdRegs.FECTL));
        h.submit();                                       // ignored while IQE is set
        assertEquals(0x10, h.r64(VtdRegs.IQH));
        // Linux: overwrite the bad slot with a wait, then clear IQE; fetching resumes at IQH.
        h.poke(h.queue + 0x10, VtdHarness.waitStatus(9));
        h.poke(h.queue + 0x18, status);
        h.w32(VtdRegs.FSTS, VtdRegs.FSTS_IQE);
        assertEquals(0x30, h.r64(VtdRegs.IQH));
        assertEquals(7, h.peek(status));
    }

    @Test
    void tailBeyondTheQueueIsAnInvalidTailError() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        h.w32(VtdRegs.IQT, 0x1000);
        assertEquals(VtdRegs.FSTS_IQE, h.r32(VtdRegs.FSTS));
        assertEquals(InvalidationQueue.IQEI_INVALID_TAIL, h.r64(VtdRegs.IQERCD) & 0xF);
    }

    @Test
    void reservedBitsAndUndefinedGranularityAreQueueErrors() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        h.submit(0x02, 0);                                 // IOTLB with G=0
        assertEquals(InvalidationQueue.IQEI_RESERVED, h.r64(VtdRegs.IQERCD) & 0xF);
        assertEquals(0, h.r64(VtdRegs.IQH));
    }

    @Test
    void pageSelectiveWithMaskAboveMamvIsAnError() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        h.submit(0x32, 19);
        assertEquals(VtdRegs.FSTS_IQE, h.r32(VtdRegs.FSTS));
    }

    @Test
    void wideQueueUsesThirtyTwoByteSlotsAndRejectsMisalignedTail() {
        VtdHarness h = VtdHarness.create("intel-iommu,x-scalable-mode=on");
        h.enableQueue(true);
        long status = h.alloc(1);
        h.submit(0x12, 0, 0, 0);
        h.submit(VtdHarness.waitStatus(3), status, 0, 0);
        assertEquals(0x40, h.r64(VtdRegs.IQH));
        assertEquals(3, h.peek(status));
        h.w32(VtdRegs.IQT, 0x50);
        assertEquals(InvalidationQueue.IQEI_TAIL_MISALIGNED, h.r64(VtdRegs.IQERCD) & 0xF);
    }

    @Test
    void wideQueueRejectsNonZeroUpperHalfOfLegacyDescriptors() {
        VtdHarness h = VtdHarness.create("intel-iommu,x-scalable-mode=on");
        h.enableQueue(true);
        h.submit(0x12, 0, 1, 0);
        assertEquals(VtdRegs.FSTS_IQE, h.r32(VtdRegs.FSTS));
    }

    @Test
    void dwIsIgnoredWithoutScalableMode() {
        VtdHarness h = VtdHarness.create();
        h.w32(VtdRegs.IQT, 0);
        long q = h.alloc(2);
        h.w64(VtdRegs.IQA, q | VtdRegs.IQA_DW);
        h.command(VtdRegs.QIE, true);
        h.poke(q, 0x12);
        h.w32(VtdRegs.IQT, 0x10);
        assertEquals(0x10, h.r64(VtdRegs.IQH));
        assertEquals(0, h.r32(VtdRegs.FSTS));
    }

    @Test
    void queueFullOfGarbageEndsInBoundedTimeWithAnError() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        for (int i = 0; i < 255; i++) {
            h.put(0xFFFF_FFFF_FFFF_FFF2L, -1L);
        }
        h.submit();
        assertEquals(VtdRegs.FSTS_IQE, h.r32(VtdRegs.FSTS));
        assertEquals(0, h.r64(VtdRegs.IQH));
    }

    @Test
    void queueInMmioIsAFetchError() {
        VtdHarness h = VtdHarness.create();
        h.w32(VtdRegs.IQT, 0);
        h.w64(VtdRegs.IQA, h.base);
        h.command(VtdRegs.QIE, true);
        h.w32(VtdRegs.IQT, 0x10);
        assertEquals(InvalidationQueue.IQEI_FETCH_ERROR, h.r64(VtdRegs.IQERCD) & 0xF);
    }

    @Test
    void qiDisableIsRefusedWhilePendingAndResetsHeadWhenIdle() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        h.submit(0x0F, 0);                                 // stuck on a bad descriptor
        h.command(VtdRegs.QIE, false);
        assertEquals(VtdRegs.QIE, h.r32(VtdRegs.GSTS));
        h.poke(h.queue, 0x12);
        h.w32(VtdRegs.FSTS, VtdRegs.FSTS_IQE);
        h.command(VtdRegs.QIE, false);
        assertEquals(0, h.r32(VtdRegs.GSTS));
        assertEquals(0, h.r64(VtdRegs.IQH));
    }

    @Test
    void deviceTlbTimeoutRaisesIteWithSidAndStopsTheQueue() {
        VtdHarness h = VtdHarness.create("intel-iommu,device-iotlb=on");
        h.unit.deviceTlbInvalidation((sid, pasid, addr, size) -> DeviceTlbInvalidation.Result.TIMEOUT);
        h.enableQueue(false);
        long status = h.alloc(1);
        h.put(0x03 | 0x0010L << 32, 0);
        h.put(VtdHarness.waitStatus(1), status);
        h.submit();
        assertEquals(VtdRegs.FSTS_ITE, h.r32(VtdRegs.FSTS));
        assertEquals(0x0010, (h.r64(VtdRegs.IQERCD) >>> 32) & 0xFFFF);
        assertEquals(0x10, h.r64(VtdRegs.IQH));
        assertEquals(0, h.peek(status));
        h.unit.deviceTlbInvalidation(null);
        h.w32(VtdRegs.FSTS, VtdRegs.FSTS_ITE);
        assertEquals(1, h.peek(status));
    }

    @Test
    void deviceTlbBadCompletionRaisesIce() {
        VtdHarness h = VtdHarness.create("intel-iommu,device-iotlb=on");
        h.unit.deviceTlbInvalidation((sid, pasid, addr, size) -> DeviceTlbInvalidation.Result.INVALID_COMPLETION);
        h.enableQueue(false);
        h.submit(0x03 | 0x0018L << 32, 0x1000);
        assertEquals(VtdRegs.FSTS_ICE, h.r32(VtdRegs.FSTS));
        assertEquals(0x0018, h.r64(VtdRegs.IQERCD) >>> 48);
    }

    @Test
    void deviceTlbDescriptorWithoutDeviceIotlbIsAnInvalidType() {
        VtdHarness h = VtdHarness.create();
        h.enableQueue(false);
        h.submit(0x03, 0);
        assertEquals(InvalidationQueue.IQEI_INVALID_TYPE, h.r64(VtdRegs.IQERCD) & 0xF);
    }
}
