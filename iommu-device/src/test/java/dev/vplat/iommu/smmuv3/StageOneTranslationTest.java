package dev.vplat.iommu.smmuv3;

import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.smmuv3.PageTables.*;
import static dev.vplat.iommu.smmuv3.SmmuRegisters.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StageOneTranslationTest {
    private static final int SID = 0x10;
    private final SmmuTestBed bed = new SmmuTestBed();

    private PageTables stage1(Granule g, int tg0) {
        bed.enable(8);
        PageTables pt = new PageTables(bed, g, 48);
        long cd = bed.alloc(64, 64);
        bed.writeWords(cd, SmmuTestBed.cd(pt.root(), 16, tg0, 7));
        bed.writeSte(SID, SmmuTestBed.steS1(cd, 0, 0, 0));
        return pt;
    }

    @Test
    void smmuDisabledBypassesUnlessGbpaAborts() {
        assertEquals(Translation.ok(0x1234, 0x1000 - 0x234), bed.read(SID, 0x1234));
        bed.write32(GBPA, GBPA_UPDATE | GBPA_ABORT);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1234).status());
    }

    @Test
    void fourKibPageAtLevel3Translates() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x12_3456_7000L, 0x4800_0000L, 3, S1_RW);
        assertEquals(Translation.ok(0x4800_0abcL, 0x1000 - 0xabc), bed.read(SID, 0x12_3456_7abcL));
    }

    @Test
    void twoMibBlockAtLevel2Translates() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x20_0000L, 0x4820_0000L, 2, S1_RW);
        assertEquals(Translation.ok(0x4823_4567L, 0x20_0000L - 0x3_4567L), bed.write(SID, 0x23_4567L));
    }

    @Test
    void oneGibBlockAtLevel1Translates() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x4000_0000L, 0x4000_0000L, 1, S1_RW);
        assertEquals(Translation.ok(0x5234_5678L, 0x4000_0000L - 0x1234_5678L), bed.read(SID, 0x5234_5678L));
    }

    @Test
    void blockAtLevel0IsATranslationFault() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.writeLeaf(pt.descriptorAddress(0, 0), 0x4000_0000L | S1_RW | 1);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        assertEquals(EventType.F_TRANSLATION.code(), bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void sixteenKibGranulePageTranslates() {
        PageTables pt = stage1(Granule.G16K, 2);
        pt.map(0x8000_4000L, 0x4000_8000L, 3, S1_RW);
        assertEquals(Translation.ok(0x4000_8123L, 0x4000 - 0x123), bed.read(SID, 0x8000_4123L));
    }

    @Test
    void sixtyFourKibGranuleBlockAtLevel2Translates() {
        PageTables pt = stage1(Granule.G64K, 1);
        pt.map(0x2000_0000L, 0x4000_0000L, 2, S1_RW);
        assertEquals(Translation.ok(0x4123_4567L, 0x2000_0000L - 0x123_4567L), bed.read(SID, 0x2123_4567L));
    }

    @Test
    void readOnlyPageFaultsWritesWithPermissionEvent() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, S1_RW | AP_RDONLY);
        assertTrue(bed.read(SID, 0x1000).ok());
        assertEquals(DmaStatus.PERMISSION_FAULT, bed.write(SID, 0x1008).status());
        long[] e = bed.nextEvent();
        assertArrayEquals(new long[] {0x13 | (long) SID << 32, 2L << 40, 0x1008, 0}, e);
    }

    @Test
    void pageWithoutUnprivilegedAccessFaultsUnprivilegedDma() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, AF);
        assertEquals(DmaStatus.PERMISSION_FAULT, bed.read(SID, 0x1000).status());
    }

    @Test
    void privilegedOverrideInSteGrantsPrivilegedOnlyPage() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, AF);
        long[] ste = SmmuTestBed.steS1(bed.word(bed.steAddress(SID)) & 0x00FF_FFFF_FFFF_FFC0L, 0, 0, 0);
        ste[1] |= 3L << 48;
        bed.writeSte(SID, ste);
        assertTrue(bed.read(SID, 0x1000).ok());
    }

    @Test
    void apTableReadOnlyInTableDescriptorMakesLowerLevelsReadOnly() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, S1_RW);
        long l2 = pt.descriptorAddress(0x1000, 2);
        bed.writeWords(l2, bed.word(l2) | 1L << 62);
        assertEquals(DmaStatus.PERMISSION_FAULT, bed.write(SID, 0x1000).status());
    }

    @Test
    void hadIgnoresApTable() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, S1_RW);
        long l2 = pt.descriptorAddress(0x1000, 2);
        bed.writeWords(l2, bed.word(l2) | 1L << 62);
        long cd = bed.word(bed.steAddress(SID)) & 0x00FF_FFFF_FFFF_FFC0L;
        bed.writeWords(cd + 8, bed.word(cd + 8) | 2);
        assertTrue(bed.write(SID, 0x1000).ok());
    }

    @Test
    void clearAccessFlagIsAnAccessFaultUnlessAffd() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, AP_UNPRIV);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        assertEquals(EventType.F_ACCESS.code(), bed.nextEvent()[0] & 0xFF);
        long cd = bed.word(bed.steAddress(SID)) & 0x00FF_FFFF_FFFF_FFC0L;
        bed.writeWords(cd, bed.word(cd) | 1L << 35);
        bed.submit(SmmuTestBed.cmdCfgiSte(SID), 0);
        assertTrue(bed.read(SID, 0x1000).ok());
    }

    @Test
    void outputAboveIpsIsAnAddressSizeFault() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 1L << 44, 3, S1_RW);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        assertEquals(EventType.F_ADDR_SIZE.code(), bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void addressOutsideT0szRangeIsATranslationFault() {
        stage1(Granule.G4K, 0);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 1L << 48).status());
        assertArrayEquals(new long[] {0x10 | (long) SID << 32, 1L << 35 | 2L << 40, 1L << 48, 0}, bed.nextEvent());
    }

    @Test
    void faultsAreNotRecordedWhenCdRecordIsClear() {
        stage1(Granule.G4K, 0);
        long cd = bed.word(bed.steAddress(SID)) & 0x00FF_FFFF_FFFF_FFC0L;
        bed.writeWords(cd, bed.word(cd) & ~(1L << 45));
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x5000).status());
        assertNull(bed.nextEvent());
    }

    @Test
    void selfReferencingTableEndsInAFaultWithinFourReads() {
        PageTables pt = stage1(Granule.G4K, 0);
        long l0 = pt.descriptorAddress(0, 0);
        bed.writeWords(l0, pt.root() | 3);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0).status());
        assertEquals(EventType.F_ACCESS.code(), bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void tableOutsideRamIsAWalkExternalAbortWithFetchAddress() {
        PageTables pt = stage1(Granule.G4K, 0);
        long l0 = pt.descriptorAddress(0x1000, 0);
        bed.writeWords(l0, SmmuTestBed.BASE | 3);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        long[] e = bed.nextEvent();
        assertEquals(0x0B | (long) SID << 32, e[0]);
        assertEquals(1L << 35 | 1L << 40 | 1L << 44, e[1]);
        assertEquals(0x1000, e[2]);
        assertEquals(SmmuTestBed.BASE, e[3]);
    }

    @Test
    void epd0DisablesTtb0Walks() {
        PageTables pt = stage1(Granule.G4K, 0);
        pt.map(0x1000, 0x4800_0000L, 3, S1_RW);
        long cd = bed.word(bed.steAddress(SID)) & 0x00FF_FFFF_FFFF_FFC0L;
        bed.writeWords(cd, bed.word(cd) | 1L << 14);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
    }

    @Test
    void ttb1TranslatesUpperAddressesWithItsOwnGranuleEncoding() {
        bed.enable(8);
        PageTables upper = new PageTables(bed, Granule.G4K, 39);
        upper.map(0xFFFF_FF80_0000_1000L, 0x4900_0000L, 3, S1_RW);
        long cd = bed.alloc(64, 64);
        long[] w = SmmuTestBed.cd(0, 25, 0, 1);
        w[0] = w[0] & ~(1L << 30) | 1L << 14 | 25L << 16 | 2L << 22;
        w[2] = upper.root();
        bed.writeWords(cd, w);
        bed.writeSte(SID, SmmuTestBed.steS1(cd, 0, 0, 0));
        assertEquals(0x4900_0010L, bed.read(SID, 0xFFFF_FF80_0000_1010L).address());
    }
}
