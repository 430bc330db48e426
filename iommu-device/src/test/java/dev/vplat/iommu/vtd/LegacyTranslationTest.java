package dev.vplat.iommu.vtd;

import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.vtd.VtdHarness.R;
import static dev.vplat.iommu.vtd.VtdHarness.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class LegacyTranslationTest {
    private static final int SID = 0x0008;   // 00:01.0

    @Test
    void threeLevelTableTranslatesAndReportsContiguityToPageEnd() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0x7000, 0x20_0000, RW);
        Translation t = h.read(SID, 0x7123);
        assertEquals(Translation.ok(0x20_0123, 0x1000 - 0x123), t);
    }

    @Test
    void fourLevelTableTranslatesHighIova() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 2, 5);
        long iova = 0x7F_1234_5000L;
        h.map4k(pt, 4, iova, 0x30_0000, RW);
        assertEquals(Translation.ok(0x30_0010, 0xFF0), h.write(SID, iova + 0x10));
    }

    @Test
    void twoMegabyteSuperpageAtLevelTwo() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 2, 5);
        h.mapSecondLevel(pt, 4, 0x4000_0000L, 0x1000_0000L, RW, 2);
        assertEquals(Translation.ok(0x1012_3456L, 0x20_0000 - 0x12_3456), h.read(SID, 0x4012_3456L));
    }

    @Test
    void oneGigabyteSuperpageAtLevelThree() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 1, 5);
        h.mapSecondLevel(pt, 3, 0x40_0000_0000L, 0x4000_0000L, RW, 3);
        assertEquals(Translation.ok(0x6765_4321L, 0x4000_0000L - 0x2765_4321L), h.read(SID, 0x40_2765_4321L));
    }

    @Test
    void permissionsAreAndedAcrossLevels() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0x1000, 0x10_0000, RW);
        long l3 = pt;
        h.poke(l3, h.peek(l3) & ~2L);   // top-level entry read-only
        assertEquals(DmaStatus.PERMISSION_FAULT, h.write(SID, 0x1000).status());
        assertEquals(FaultReason.WRITE_DENIED.code(), h.faultReason(0));
    }

    @Test
    void readOnlyLeafAllowsReadsAndFaultsWrites() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0x1000, 0x10_1000, R);
        assertEquals(Translation.ok(0x10_1000, 0x1000), h.read(SID, 0x1000));
        assertEquals(DmaStatus.PERMISSION_FAULT, h.write(SID, 0x1000).status());
    }

    @Test
    void passThroughContextIsIdentity() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        h.legacyContextRaw(SID, 2L << 2 | 1, 2 | 7L << 8);
        assertEquals(Translation.ok(0x3456_7890L, 0x1000 - 0x890), h.write(SID, 0x3456_7890L));
    }

    @Test
    void translationDisabledMeansIdentity() {
        VtdHarness h = VtdHarness.create();
        assertEquals(Translation.identity(0x1234_5678L), h.read(SID, 0x1234_5678L));
        assertEquals(0, h.r32(VtdRegs.FSTS));
    }

    @Test
    void requestersOutsideTheScopeAreNotTranslated() {
        VtdHarness h = VtdHarness.create("intel-iommu,scope=00:01.0");
        h.legacyRootAndEnable();
        assertEquals(Translation.identity(0x5000), h.unit.translate(RequesterId.parse("00:02.0"), -1, 0x5000, DmaDirection.READ));
        assertEquals(DmaStatus.TRANSLATION_FAULT, h.unit.translate(RequesterId.parse("00:01.0"), -1, 0x5000, DmaDirection.READ).status());
    }

    @Test
    void dmaTranslationOffIgnoresTe() {
        VtdHarness h = VtdHarness.create("intel-iommu,dma-translation=off");
        h.legacyRootAndEnable();
        assertEquals(0x4000_0000L, h.r32(VtdRegs.GSTS));
        assertFalse(h.unit.translationEnabled());
    }

    @Test
    void interruptWindowIsNeverTranslatedForDma() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0xFEE0_0000L, 0x10_0000, RW);
        assertEquals(DmaStatus.TRANSLATION_FAULT, h.read(SID, 0xFEE0_0000L).status());
        assertEquals(0, h.r32(VtdRegs.FSTS));
    }

    @Test
    void mappingOntoTheInterruptWindowFaultsWithReason0xE() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0x9000, 0xFEE0_1000L, RW);
        assertEquals(DmaStatus.TRANSLATION_FAULT, h.write(SID, 0x9000).status());
        assertEquals(0x0E, h.faultReason(0));
    }

    @Test
    void contextWithTranslationTypeDeviceTlbNeedsDeviceIotlb() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.alloc(1);
        h.legacyContextRaw(SID, pt | 1L << 2 | 1, 1 | 5L << 8);
        assertEquals(DmaStatus.TRANSLATION_FAULT, h.read(SID, 0).status());
        assertEquals(0x03, h.faultReason(0));

        VtdHarness dt = VtdHarness.create("intel-iommu,device-iotlb=on");
        dt.legacyRootAndEnable();
        long pt2 = dt.alloc(1);
        dt.legacyContextRaw(SID, pt2 | 1L << 2 | 1, 1 | 5L << 8);
        dt.map4k(pt2, 3, 0, 0x5000, RW);
        assertEquals(Translation.ok(0x5000, 0x1000), dt.read(SID, 0));
    }

    @Test
    void fiveLevelAwIsRejectedWhenNotInSagaw() {
        VtdHarness h = VtdHarness.create("intel-iommu,aw-bits=39");
        h.legacyRootAndEnable();
        h.legacyContext(SID, 2, 5);   // 4-level not offered with aw-bits=39
        h.read(SID, 0);
        assertEquals(0x03, h.faultReason(0));
    }
}
