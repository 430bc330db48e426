package dev.vplat.iommu.smmuv3;

import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.smmuv3.PageTables.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stage 2 and nested translation (IHI 0070 §3.4, STE S2 fields). */
class StageTwoTranslationTest {
    private static final int SID = 0x30;
    private static final int VMID = 0x77;
    private final SmmuTestBed bed = new SmmuTestBed(SmmuV3Config.defaults().withStages(SmmuV3Config.Stages.NESTED));

    /** 40-bit IPA from level 1: two concatenated level-1 tables (S2T0SZ 24, S2SL0 1). */
    private PageTables stage2() {
        bed.enable(8);
        return new PageTables(bed, Granule.G4K, 40, 1);
    }

    @Test
    void stage2PageTranslatesIpaToPa() {
        PageTables s2 = stage2();
        s2.map(0x80_1234_5000L, 0x4400_0000L, 3, S2_RW);
        bed.writeSte(SID, SmmuTestBed.steS2(VMID, s2.root(), 24, 1));
        assertEquals(Translation.ok(0x4400_0678L, 0x1000 - 0x678), bed.read(SID, 0x80_1234_5678L));
    }

    @Test
    void stage2WriteToReadOnlyIpaIsStage2PermissionFaultWithIpa() {
        PageTables s2 = stage2();
        s2.map(0x5000, 0x4400_0000L, 3, AF | S2AP_R);
        bed.writeSte(SID, SmmuTestBed.steS2(VMID, s2.root(), 24, 1));
        assertEquals(DmaStatus.PERMISSION_FAULT, bed.write(SID, 0x5010).status());
        assertArrayEquals(new long[] {0x13 | (long) SID << 32, 1L << 39 | 2L << 40, 0x5010, 0x5000}, bed.nextEvent());
    }

    @Test
    void ipaBeyondS2T0szIsStage2TranslationFault() {
        PageTables s2 = stage2();
        bed.writeSte(SID, SmmuTestBed.steS2(VMID, s2.root(), 24, 1));
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 1L << 40).status());
        assertEquals(0x10, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void s2afdDisablesStage2AccessFlagFaults() {
        PageTables s2 = stage2();
        s2.map(0x5000, 0x4400_0000L, 3, S2AP_R);
        long[] ste = SmmuTestBed.steS2(VMID, s2.root(), 24, 1);
        bed.writeSte(SID, ste);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x5000).status());
        assertEquals(0x12, bed.nextEvent()[0] & 0xFF);
        ste[2] |= 1L << 53;
        bed.writeSte(SID, ste);
        bed.submit(SmmuTestBed.cmdCfgiSte(SID), 0);
        assertTrue(bed.read(SID, 0x5000).ok());
    }

    @Test
    void inconsistentS2Sl0IsBadSte() {
        PageTables s2 = stage2();
        bed.writeSte(SID, SmmuTestBed.steS2(VMID, s2.root(), 24, 0));
        bed.read(SID, 0);
        assertEquals(0x04, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void stage2With64KibGranuleTranslates() {
        bed.enable(8);
        PageTables s2 = new PageTables(bed, Granule.G64K, 40, 2);
        s2.map(0x1_0000, 0x4410_0000L, 3, S2_RW);
        long[] ste = SmmuTestBed.steS2(VMID, s2.root(), 24, 1);
        ste[2] = SmmuTestBed.s2Word(VMID, 24, 1, 1);
        bed.writeSte(SID, ste);
        assertEquals(0x4410_0123L, bed.read(SID, 0x1_0123).address());
    }

    @Test
    void nestedTranslatesVaThroughStage1TablesReadViaStage2() {
        PageTables s2 = stage2();
        s2.map(0x4000_0000L, 0x4000_0000L, 1, S2_RW);
        s2.map(0x80_0000_0000L, 0x4000_0000L, 1, S2_RW);
        PageTables s1 = new PageTables(bed, Granule.G4K, 48);
        s1.map(0x1000, 0x80_0000_7000L, 3, S1_RW);
        long cd = bed.alloc(64, 64);
        bed.writeWords(cd, SmmuTestBed.cd(s1.root(), 16, 0, 4));
        bed.writeSte(SID, SmmuTestBed.steNested(cd, VMID, s2.root(), 24, 1));
        assertEquals(Translation.ok(0x4000_7010L, 0x1000 - 0x10), bed.read(SID, 0x1010));
    }

    @Test
    void nestedStage1TableAtUnmappedIpaIsStage2FaultOfClassTt() {
        PageTables s2 = stage2();
        s2.map(0x4000_0000L, 0x4000_0000L, 1, S2_RW);
        long cd = bed.alloc(64, 64);
        bed.writeWords(cd, SmmuTestBed.cd(0x90_0000_0000L, 16, 0, 4));
        bed.writeSte(SID, SmmuTestBed.steNested(cd, VMID, s2.root(), 24, 1));
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        long[] e = bed.nextEvent();
        assertEquals(0x10 | (long) SID << 32, e[0]);
        assertEquals(1L << 35 | 1L << 39 | 1L << 40 | 1L << 44, e[1]);
        assertEquals(0x90_0000_0000L, e[3]);
    }

    @Test
    void nestedCdAtUnmappedIpaIsStage2FaultOfClassCd() {
        PageTables s2 = stage2();
        bed.writeSte(SID, SmmuTestBed.steNested(0x12_0000L, VMID, s2.root(), 24, 1));
        bed.read(SID, 0x1000);
        long[] e = bed.nextEvent();
        assertEquals(0x10, e[0] & 0xFF);
        assertEquals(1L << 35 | 1L << 39, e[1]);
        assertEquals(0x12_0000L, e[3]);
    }

    @Test
    void stage2TableOutsideRamIsWalkAbortAtStage2() {
        PageTables s2 = stage2();
        bed.writeWords(s2.descriptorAddress(0, 1), SmmuTestBed.BASE | 3);
        bed.writeSte(SID, SmmuTestBed.steS2(VMID, s2.root(), 24, 1));
        bed.read(SID, 0x1000);
        long[] e = bed.nextEvent();
        assertEquals(0x0B, e[0] & 0xFF);
        assertEquals(1L << 35 | 1L << 39 | 2L << 40, e[1]);
        assertEquals(SmmuTestBed.BASE, e[3]);
    }
}
