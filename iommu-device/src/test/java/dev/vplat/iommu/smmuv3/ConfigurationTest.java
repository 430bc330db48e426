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

/** Stream table, STE and CD handling (IHI 0070 §5.1–5.4) and the configuration events. */
class ConfigurationTest {
    private static final int SID = 0x21;
    private final SmmuTestBed bed = new SmmuTestBed();

    private PageTables tablesMapping(long va, long pa) {
        PageTables pt = new PageTables(bed, Granule.G4K, 48);
        pt.map(va, pa, 3, S1_RW);
        return pt;
    }

    @Test
    void steWithVClearIsBadSte() {
        bed.enable(8);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        assertArrayEquals(new long[] {0x04 | (long) SID << 32, 0, 0, 0}, bed.nextEvent());
    }

    @Test
    void steConfigAbortTerminatesSilently() {
        bed.enable(8);
        bed.writeSte(SID, 1 | 0b011 << 1, 0, 0, 0, 0, 0, 0, 0);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0x1000).status());
        assertNull(bed.nextEvent());
    }

    @Test
    void steBypassPassesAddressesThrough() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steBypass());
        assertEquals(Translation.ok(0x4123_4000L, 0x1000), bed.read(SID, 0x4123_4000L));
    }

    @Test
    void stage2SteOnStage1OnlyUnitIsBadSte() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steS2(1, bed.page(), 25, 1));
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0).status());
        assertEquals(0x04, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void streamIdBeyondLog2SizeIsBadStreamIdWhenRecinvsid() {
        bed.enable(4);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(0x10, 0).status());
        assertArrayEquals(new long[] {0x02 | 0x10L << 32, 0, 0, 0}, bed.nextEvent());
    }

    @Test
    void streamIdBeyondLog2SizeIsSilentWithoutRecinvsid() {
        bed.enable(4);
        bed.write32(CR0, 0);
        bed.write32(CR2, 0);
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(0x10, 0).status());
        assertNull(bed.nextEvent());
    }

    @Test
    void steFetchOutsideRamIsSteFetchEventWithAddress() {
        bed.enable(8);
        bed.write32(CR0, 0);
        bed.write64(STRTAB_BASE, 0x2000_0000L);
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0).status());
        assertArrayEquals(new long[] {0x03 | (long) SID << 32, 0, 0, 0x2000_0000L + 64L * SID}, bed.nextEvent());
    }

    @Test
    void twoLevelStreamTableFindsSteThroughL1Descriptor() {
        long l1 = bed.alloc(8 * 256, 8 * 256);
        long l2 = bed.alloc(64 * 256, 64 * 256);
        bed.writeWords(l1 + 8 * 3, l2 | 9);
        bed.writeWords(l2 + 64 * 0x45, SmmuTestBed.steBypass());
        bed.write32(CR2, CR2_RECINVSID);
        bed.write64(STRTAB_BASE, l1);
        bed.write32(STRTAB_BASE_CFG, 1 << 16 | 8 << 6 | 16);
        bed.setUpQueues();
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        assertEquals(0x4000_1000L, bed.read(0x345, 0x4000_1000L).address());
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(0x445, 0).status());
        assertEquals(0x02 | 0x445L << 32, bed.nextEvent()[0]);
    }

    @Test
    void twoLevelStreamTableRejectsStreamIdsBeyondSpan() {
        long l1 = bed.alloc(8 * 256, 8 * 256);
        long l2 = bed.alloc(64 * 16, 64 * 16);
        bed.writeWords(l1, l2 | 5);
        bed.write32(CR2, CR2_RECINVSID);
        bed.write64(STRTAB_BASE, l1);
        bed.write32(STRTAB_BASE_CFG, 1 << 16 | 8 << 6 | 16);
        bed.setUpQueues();
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(0x10, 0).status());
        assertEquals(0x02, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void cdWithVClearIsBadCd() {
        bed.enable(8);
        long cd = bed.alloc(64, 64);
        bed.writeSte(SID, SmmuTestBed.steS1(cd, 0, 0, 0));
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 0).status());
        assertArrayEquals(new long[] {0x0A | (long) SID << 32, 0, 0, 0}, bed.nextEvent());
    }

    @Test
    void cdWithAClearIsIllegalUnderTermModel1() {
        bed.enable(8);
        long cd = bed.alloc(64, 64);
        long[] w = SmmuTestBed.cd(bed.page(), 16, 0, 1);
        w[0] &= ~(1L << 46);
        bed.writeWords(cd, w);
        bed.writeSte(SID, SmmuTestBed.steS1(cd, 0, 0, 0));
        bed.read(SID, 0);
        assertEquals(0x0A, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void cdWithUnsupportedGranuleIsBadCd() {
        SmmuTestBed only4k = new SmmuTestBed(SmmuV3Config.defaults().withGranules(java.util.Set.of(Granule.G4K)));
        only4k.enable(8);
        long cd = only4k.alloc(64, 64);
        only4k.writeWords(cd, SmmuTestBed.cd(only4k.page(), 16, 1, 1));
        only4k.writeSte(SID, SmmuTestBed.steS1(cd, 0, 0, 0));
        only4k.read(SID, 0);
        assertEquals(0x0A, only4k.nextEvent()[0] & 0xFF);
    }

    @Test
    void cdFetchOutsideRamIsCdFetchEventWithAddress() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steS1(0x3000_0000L, 0, 0, 0));
        bed.read(SID, 0);
        assertArrayEquals(new long[] {0x09 | (long) SID << 32, 0, 0, 0x3000_0000L}, bed.nextEvent());
    }

    @Test
    void substreamSelectsCdInLinearCdTable() {
        bed.enable(8);
        long cds = bed.alloc(64 * 16, 64 * 16);
        bed.writeWords(cds + 64 * 5, SmmuTestBed.cd(tablesMapping(0x1000, 0x4A00_0000L).root(), 16, 0, 5));
        bed.writeSte(SID, SmmuTestBed.steS1(cds, 4, 0, 0));
        assertEquals(0x4A00_0000L, bed.read(SID, 5, 0x1000).address());
    }

    @Test
    void substreamSelectsCdThroughTwoLevelCdTable() {
        bed.enable(8);
        long l1 = bed.alloc(8 * 16, 8 * 16);
        long leaf = bed.page();
        bed.writeWords(l1 + 8 * 2, leaf | 1);
        bed.writeWords(leaf + 64 * 3, SmmuTestBed.cd(tablesMapping(0x2000, 0x4B00_0000L).root(), 16, 0, 9));
        bed.writeSte(SID, SmmuTestBed.steS1(l1, 10, 1, 0));
        assertEquals(0x4B00_0000L, bed.read(SID, 2 * 64 + 3, 0x2000).address());
    }

    @Test
    void invalidL1CdIsBadSubstreamId() {
        bed.enable(8);
        long l1 = bed.alloc(8 * 16, 8 * 16);
        bed.writeSte(SID, SmmuTestBed.steS1(l1, 10, 1, 0));
        bed.read(SID, 70, 0);
        assertArrayEquals(new long[] {0x08 | 70L << 12 | (long) SID << 32, 0, 0, 0}, bed.nextEvent());
    }

    @Test
    void substreamBeyondS1CdMaxIsBadSubstreamId() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steS1(bed.alloc(64 * 4, 256), 2, 0, 0));
        bed.read(SID, 4, 0);
        assertEquals(0x08 | 4L << 12 | (long) SID << 32, bed.nextEvent()[0]);
    }

    @Test
    void substreamWithSubstreamsDisabledIsBadSubstreamId() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steS1(bed.alloc(64, 64), 0, 0, 0));
        bed.read(SID, 1, 0);
        assertEquals(0x08 | 1L << 12 | (long) SID << 32, bed.nextEvent()[0]);
    }

    @Test
    void nonSubstreamTrafficWithS1Dss00IsStreamDisabled() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steS1(bed.alloc(64 * 4, 256), 2, 0, 0));
        bed.read(SID, 0);
        assertArrayEquals(new long[] {0x06 | (long) SID << 32, 0, 0, 0}, bed.nextEvent());
    }

    @Test
    void nonSubstreamTrafficWithS1Dss01BypassesStage1() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steS1(bed.alloc(64 * 4, 256), 2, 0, 1));
        assertEquals(0x4000_5000L, bed.read(SID, 0x4000_5000L).address());
    }

    @Test
    void nonSubstreamTrafficWithS1Dss10UsesCd0AndSubstream0IsDisabled() {
        bed.enable(8);
        long cds = bed.alloc(64 * 4, 256);
        bed.writeWords(cds, SmmuTestBed.cd(tablesMapping(0x3000, 0x4C00_0000L).root(), 16, 0, 3));
        bed.writeSte(SID, SmmuTestBed.steS1(cds, 2, 0, 2));
        assertEquals(0x4C00_0000L, bed.read(SID, 0x3000).address());
        bed.read(SID, 0, 0x3000);
        assertEquals(0x06, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void substreamOnBypassSteIsBadSubstreamId() {
        bed.enable(8);
        bed.writeSte(SID, SmmuTestBed.steBypass());
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, 3, 0).status());
        assertEquals(0x08, bed.nextEvent()[0] & 0xFF);
    }

    @Test
    void pciRequesterIdIsTheStreamId() {
        bed.enable(16);
        bed.writeSte(0x0118, SmmuTestBed.steBypass());
        Translation t = bed.smmu.translate(dev.vplat.pci.RequesterId.of(1, 3, 0), SmmuV3.NO_PASID, 0x4000_0000L,
                dev.vplat.pci.dma.DmaDirection.READ);
        assertTrue(t.ok());
    }
}
