package dev.vplat.iommu.smmuv3;

import dev.vplat.pci.dma.DmaStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.iommu.smmuv3.CommandExecutor.*;
import static dev.vplat.iommu.smmuv3.PageTables.*;
import static dev.vplat.iommu.smmuv3.SmmuRegisters.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Visible staleness of the configuration cache and TLB, and the invalidation commands that end
 * it (IHI 0070 §4.3, §4.4): each test changes a table in RAM, shows the old answer is still
 * used, issues one command and shows the new answer.
 */
class CachesAndCommandsTest {
    private static final int SID = 0x08;
    private static final int ASID = 0x33;
    private static final long VA = 0x7000;
    private static final long OLD = 0x4800_0000L;
    private static final long NEW = 0x4900_0000L;

    private SmmuTestBed bed = new SmmuTestBed();
    private PageTables pt;
    private long cd;

    private void stage1Stream(SmmuTestBed b) {
        bed = b;
        bed.enable(8);
        pt = new PageTables(bed, Granule.G4K, 48);
        pt.map(VA, OLD, 3, S1_RW);
        cd = bed.alloc(64, 64);
        bed.writeWords(cd, SmmuTestBed.cd(pt.root(), 16, 0, ASID));
        bed.writeSte(SID, SmmuTestBed.steS1(cd, 0, 0, 0));
        assertEquals(OLD, bed.read(SID, VA).address());
        pt.map(VA, NEW, 3, S1_RW);
    }

    private void stage1Stream() {
        stage1Stream(bed);
    }

    private long translated() {
        return bed.read(SID, VA).address();
    }

    @Test
    void changedPteKeepsTranslatingFromTlbUntilInvalidated() {
        stage1Stream();
        assertEquals(OLD, translated());
        bed.submit(TLBI_NH_VA | (long) ASID << 48, VA);
        assertEquals(NEW, translated());
    }

    @Test
    void tlbiNhVaWithOtherAsidLeavesEntry() {
        stage1Stream();
        bed.submit(TLBI_NH_VA | (long) (ASID + 1) << 48, VA);
        assertEquals(OLD, translated());
    }

    @Test
    void tlbiNhAsidDropsThatAsid() {
        stage1Stream();
        bed.submit(TLBI_NH_ASID | (long) (ASID + 1) << 48, 0);
        assertEquals(OLD, translated());
        bed.submit(TLBI_NH_ASID | (long) ASID << 48, 0);
        assertEquals(NEW, translated());
    }

    @Test
    void tlbiNhVaaDropsVaForEveryAsid() {
        stage1Stream();
        bed.submit(TLBI_NH_VAA, VA + 0x1000);
        assertEquals(OLD, translated());
        bed.submit(TLBI_NH_VAA, VA);
        assertEquals(NEW, translated());
    }

    @Test
    void tlbiNhAllDropsEverything() {
        stage1Stream();
        bed.submit(TLBI_NH_ALL, 0);
        assertEquals(NEW, translated());
    }

    @Test
    void tlbiNsnhAllDropsEverything() {
        stage1Stream();
        bed.submit(TLBI_NSNH_ALL, 0);
        assertEquals(NEW, translated());
    }

    @Test
    void rangeTlbiCoversNumPlusOneTimesTwoToScaleGranules() {
        stage1Stream();
        pt.map(VA + 0x2000, OLD + 0x2000, 3, S1_RW);
        assertEquals(OLD + 0x2000, bed.read(SID, VA + 0x2000).address());
        pt.map(VA + 0x2000, NEW + 0x2000, 3, S1_RW);
        bed.submit(TLBI_NH_VA | (long) ASID << 48 | 1L << 12, VA | 1L << 10);
        assertEquals(NEW, translated());
        assertEquals(OLD + 0x2000, bed.read(SID, VA + 0x2000).address());
    }

    @Test
    void rangeTlbiWithZeroNumScaleAndTtlIsIllegal() {
        stage1Stream();
        bed.submit(TLBI_NH_VA | (long) ASID << 48, VA | 1L << 10);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
        assertEquals(OLD, translated());
    }

    @Test
    void changedCdKeepsOldAsidAndTablesUntilCfgiCd() {
        stage1Stream();
        PageTables other = new PageTables(bed, Granule.G4K, 48);
        other.map(VA, 0x4A00_0000L, 3, S1_RW);
        bed.writeWords(cd, SmmuTestBed.cd(other.root(), 16, 0, ASID + 1));
        assertEquals(OLD, translated());
        bed.submit(CFGI_CD | (long) SID << 32, 0);
        assertEquals(0x4A00_0000L, translated());
    }

    @Test
    void cfgiCdAllDropsEveryCdOfTheStream() {
        stage1Stream();
        bed.writeWords(cd, new long[8]);
        bed.submit(CFGI_CD_ALL | (long) SID << 32, 0);
        assertEquals(DmaStatus.TRANSLATION_FAULT, bed.read(SID, VA).status());
    }

    @Test
    void changedSteKeepsOldConfigurationUntilCfgiSte() {
        stage1Stream();
        bed.writeSte(SID, SmmuTestBed.steBypass());
        assertEquals(OLD, translated());
        bed.submit(SmmuTestBed.cmdCfgiSte(SID + 1), 0);
        assertEquals(OLD, translated());
        bed.submit(SmmuTestBed.cmdCfgiSte(SID), 0);
        assertEquals(VA, translated());
    }

    @Test
    void cfgiSteRangeCoversTwoToRangePlusOneAlignedStreams() {
        stage1Stream();
        bed.writeSte(SID, SmmuTestBed.steBypass());
        bed.submit(CFGI_STE_RANGE | 0x10L << 32, 2);
        assertEquals(OLD, translated());
        bed.submit(CFGI_STE_RANGE | 0x0BL << 32, 2);
        assertEquals(VA, translated());
    }

    @Test
    void cfgiAllIsSteRange31() {
        stage1Stream();
        bed.writeSte(SID, SmmuTestBed.steBypass());
        bed.submit(CFGI_STE_RANGE, 31);
        assertEquals(VA, translated());
    }

    @Test
    void cfgiSteDoesNotInvalidateTheTlb() {
        stage1Stream();
        bed.submit(SmmuTestBed.cmdCfgiSte(SID), 0);
        assertEquals(OLD, translated());
    }

    @Test
    void prefetchCommandsAreLegalNoOps() {
        stage1Stream();
        bed.submit(PREFETCH_CONFIG | (long) SID << 32, 0);
        bed.submit(PREFETCH_ADDR | (long) SID << 32, VA);
        assertEquals(0, bed.cmdqErr());
        assertEquals(2, bed.smmu.commandsConsumed());
    }

    @Test
    void strictModeCountsEachUseOfAStaleTranslation() {
        stage1Stream(new SmmuTestBed(SmmuV3Config.defaults().withStrict(true)));
        translated();
        translated();
        assertEquals(2, bed.smmu.staleUses());
        bed.submit(TLBI_NH_ALL, 0);
        translated();
        assertEquals(2, bed.smmu.staleUses());
    }

    @Test
    void cachedReadOnlyEntryFaultsWriteWithoutNewWalk() {
        stage1Stream();
        pt.map(VA + 0x1000, OLD, 3, S1_RW | AP_RDONLY);
        assertTrue(bed.read(SID, VA + 0x1000).ok());
        pt.map(VA + 0x1000, OLD, 3, S1_RW);
        assertEquals(DmaStatus.PERMISSION_FAULT, bed.write(SID, VA + 0x1000).status());
    }

    @Test
    void faultsAreNotCachedSoNewMappingsWorkWithoutInvalidation() {
        stage1Stream();
        assertFalse(bed.read(SID, 0x9000).ok());
        pt.map(0x9000, NEW, 3, S1_RW);
        assertEquals(NEW, bed.read(SID, 0x9000).address());
    }

    @Test
    void resetEmptiesCaches() {
        stage1Stream();
        bed.machine.reset();
        assertEquals(0, bed.smmu.tlbEntries());
        assertEquals(0, bed.smmu.cachedStreamTableEntries());
        assertEquals(0, bed.smmu.cachedContextDescriptors());
    }

    // ---- stage 2 and EL2 (nested unit)

    private static final int VMID = 5;

    private PageTables nestedS2Stream() {
        bed = new SmmuTestBed(SmmuV3Config.defaults().withStages(SmmuV3Config.Stages.NESTED));
        bed.enable(8);
        PageTables s2 = new PageTables(bed, Granule.G4K, 40, 1);
        s2.map(VA, OLD, 3, S2_RW);
        bed.writeSte(SID, SmmuTestBed.steS2(VMID, s2.root(), 24, 1));
        assertEquals(OLD, translated());
        s2.map(VA, NEW, 3, S2_RW);
        return s2;
    }

    @Test
    void tlbiS2IpaDropsStage2EntryOfThatVmid() {
        nestedS2Stream();
        bed.submit(TLBI_S2_IPA | (long) (VMID + 1) << 32, VA);
        assertEquals(OLD, translated());
        bed.submit(TLBI_S2_IPA | (long) VMID << 32, VA);
        assertEquals(NEW, translated());
    }

    @Test
    void tlbiS12VmallDropsVmid() {
        nestedS2Stream();
        bed.submit(TLBI_NH_ALL | (long) VMID << 32, 0);
        assertEquals(OLD, translated());
        bed.submit(TLBI_S12_VMALL | (long) VMID << 32, 0);
        assertEquals(NEW, translated());
    }

    @Test
    void el2StreamIsInvalidatedByEl2CommandsOnly() {
        bed = new SmmuTestBed(SmmuV3Config.defaults().withStages(SmmuV3Config.Stages.NESTED));
        bed.enable(8);
        pt = new PageTables(bed, Granule.G4K, 48);
        pt.map(VA, OLD, 3, AF);
        cd = bed.alloc(64, 64);
        bed.writeWords(cd, SmmuTestBed.cd(pt.root(), 16, 0, 0));
        long[] ste = SmmuTestBed.steS1(cd, 0, 0, 0);
        ste[1] |= 2L << 30;
        bed.writeSte(SID, ste);
        assertEquals(OLD, translated());
        pt.map(VA, NEW, 3, AF);
        bed.submit(TLBI_NSNH_ALL, 0);
        assertEquals(OLD, translated());
        bed.submit(TLBI_EL2_ALL, 0);
        assertEquals(NEW, translated());
    }

    // ---- command errors (§7.1)

    @Test
    void illegalOpcodeStopsQueueWithErrAndCmdqErrUntilGerrornAck() {
        stage1Stream();
        bed.submit(0x7F, 0);
        bed.submit(TLBI_NH_ALL, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
        assertEquals(0, bed.read32(CMDQ_CONS) & 0xFFFFF);
        assertEquals(1, bed.read32(GERROR) & 1);
        assertEquals(OLD, translated());
        bed.writeWords(bed.cmdq, SmmuTestBed.cmdSync(), 0);
        bed.write32(GERRORN, bed.read32(GERROR));
        assertEquals(2, bed.read32(CMDQ_CONS) & 0xFFFFF);
        assertEquals(NEW, translated());
    }

    @Test
    void errorCodeSurvivesWhileConsAdvances() {
        stage1Stream();
        bed.submit(0x7F, 0);
        bed.writeWords(bed.cmdq, SmmuTestBed.cmdSync(), 0);
        bed.write32(GERRORN, bed.read32(GERROR));
        assertEquals(1L << 24 | 1, bed.read32(CMDQ_CONS));
    }

    @Test
    void commandQueueOutsideRamIsCerrorAbt() {
        bed.enable(8);
        bed.write32(CR0, CR0_EVENTQEN | CR0_SMMUEN);
        bed.write64(CMDQ_BASE, 0x3000_0000L | 4);
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        bed.write32(CMDQ_PROD, 1);
        assertEquals(CommandError.CERROR_ABT, bed.cmdqErr());
    }

    @Test
    void commandsWaitForCmdqenAndRunWhenItIsSet() {
        bed.enable(8);
        bed.write32(CR0, CR0_EVENTQEN | CR0_SMMUEN);
        bed.writeWords(bed.cmdq, SmmuTestBed.cmdSync(), 0);
        bed.write32(CMDQ_PROD, 1);
        assertEquals(0, bed.read32(CMDQ_CONS));
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        assertEquals(1, bed.read32(CMDQ_CONS));
    }

    @Test
    void secureCommandOnNonSecureQueueIsIllegal() {
        stage1Stream();
        bed.submit(CFGI_STE | 1L << 10, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    @Test
    void stage2CommandOnStage1OnlyUnitIsIllegal() {
        stage1Stream();
        bed.submit(TLBI_S2_IPA, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    @Test
    void cdCommandOnStage2OnlyUnitIsIllegal() {
        bed = new SmmuTestBed(SmmuV3Config.defaults().withStages(SmmuV3Config.Stages.S2));
        bed.enable(8);
        bed.submit(CFGI_CD_ALL, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    @Test
    void resumeIsIllegalWithTerminateOnlyStallModel() {
        stage1Stream();
        bed.submit(RESUME, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    @Test
    void atcInvIsIllegalWithoutAts() {
        stage1Stream();
        bed.submit(ATC_INV, 52);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    @Test
    void priRespReachesTheDeviceSide() {
        bed = new SmmuTestBed(SmmuV3Config.defaults().withPri(true));
        bed.enable(8);
        List<String> responses = new ArrayList<>();
        bed.smmu.pageResponseListener((sid, ssv, ssid, prg, resp) -> responses.add(sid + ":" + ssv + ":" + ssid
                + ":" + prg + ":" + resp));
        bed.submit(PRI_RESP | 1L << 11 | 9L << 12 | 0x42L << 32, 2L << 12 | 0x17);
        assertEquals(List.of("66:true:9:23:2"), responses);
    }

    @Test
    void priRespIsIllegalWithoutPri() {
        stage1Stream();
        bed.submit(PRI_RESP, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    // ---- CMD_SYNC (§4.7.3)

    @Test
    void syncSigIrqWritesMsiDataToRamAddress() {
        bed.enable(8);
        long slot = bed.alloc(8, 8);
        bed.writeWords(slot, 0xFFFF_FFFFL);
        bed.submit(SYNC | 1L << 12 | 0L << 32, slot);
        assertEquals(0, bed.word(slot));
    }

    @Test
    void syncSigIrqToDoorbellDeliversMsi() {
        bed.enable(8);
        bed.submit(SYNC | 1L << 12 | 0x55L << 32, 0x0808_0040L);
        assertEquals(1, bed.msis.size());
        assertEquals(0x0808_0040L, bed.msis.get(0).address());
        assertEquals(0x55, bed.msis.get(0).data());
    }

    @Test
    void syncSigNoneSignalsNothing() {
        bed.enable(8);
        bed.submit(SYNC | 0x55L << 32, 0x0808_0040L);
        assertTrue(bed.msis.isEmpty());
        assertEquals(1, bed.read32(CMDQ_CONS));
    }

    @Test
    void syncWithReservedCsIsIllegal() {
        bed.enable(8);
        bed.submit(SYNC | 3L << 12, 0);
        assertEquals(CommandError.CERROR_ILL, bed.cmdqErr());
    }

    @Test
    void syncMsiBeyondOasAbortsWithMsiCmdqAbtErr() {
        bed.enable(8);
        bed.submit(SYNC | 1L << 12, 1L << 50);
        assertEquals(1, bed.read32(GERROR) >>> GERROR_MSI_CMDQ_ABT & 1);
    }

    @Test
    void syncOnWiredUnitPulsesSyncLine() {
        bed = new SmmuTestBed(SmmuV3Config.defaults().withMsi(false));
        bed.enable(8);
        bed.submit(SYNC | 1L << 12, 0);
        assertEquals(List.of(SmmuInterrupts.LINE_CMD_SYNC + "+", SmmuInterrupts.LINE_CMD_SYNC + "-"), bed.lines);
    }
}
