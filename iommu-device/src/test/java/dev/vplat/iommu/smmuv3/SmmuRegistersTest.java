package dev.vplat.iommu.smmuv3;

import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.smmuv3.SmmuRegisters.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SmmuRegistersTest {
    private final SmmuTestBed bed = new SmmuTestBed();

    @Test
    void idr0OfDefaultUnitIsQemuStage1PlusMsiSevAndCd2l() {
        // QEMU stage-1 IDR0 without VMID16 is 0x0D40_101A; MSI (13), SEV (14) and CD2L (19) are added.
        assertEquals(0x0D48_701AL, bed.read32(IDR0));
    }

    @Test
    void idr0OfNestedUnitAddsS2pHypAndVmid16() {
        SmmuTestBed nested = new SmmuTestBed(SmmuV3Config.defaults().withStages(SmmuV3Config.Stages.NESTED));
        assertEquals(0x0D48_701AL | 1 | 1 << 9 | 1 << 18, nested.read32(IDR0));
    }

    @Test
    void idr1ReportsSidSsidAndQueueSizes() {
        assertEquals(16 | 20 << 6 | 19 << 16 | 19 << 21, bed.read32(IDR1));
    }

    @Test
    void idr1ReportsPriQueueSizeOnlyWithPri() {
        SmmuTestBed pri = new SmmuTestBed(SmmuV3Config.defaults().withPri(true));
        assertEquals(19, pri.read32(IDR1) >>> 11 & 0x1F);
        assertEquals(1, pri.read32(IDR0) >>> 16 & 1);
    }

    @Test
    void idr5ReportsOas44AndAllGranulesLikeQemu() {
        assertEquals(0x74, bed.read32(IDR5));
    }

    @Test
    void idr3AdvertisesRangeInvalidationAndHad() {
        assertEquals(0x404, bed.read32(IDR3));
    }

    @Test
    void aidrReportsSmmuV31AndIidrIsZero() {
        assertEquals(1, bed.read32(AIDR));
        assertEquals(0, bed.read32(IIDR));
    }

    @Test
    void cr0AckMirrorsImplementedFieldsImmediately() {
        bed.write32(CR0, 0xD);
        assertEquals(0xD, bed.read32(CR0));
        assertEquals(0xD, bed.read32(CR0ACK));
    }

    @Test
    void cr0AckDropsReservedBitsAndPriqenWithoutPri() {
        bed.write32(CR0, 0xFFFF_FFFFL);
        assertEquals(0xD, bed.read32(CR0ACK));
    }

    @Test
    void gbpaResetsToShcfgUseIncoming() {
        assertEquals(0x1000, bed.read32(GBPA));
    }

    @Test
    void gbpaWriteWithoutUpdateIsIgnored() {
        bed.write32(GBPA, GBPA_ABORT);
        assertEquals(0x1000, bed.read32(GBPA));
    }

    @Test
    void gbpaWriteWithUpdateTakesEffectAndUpdateReadsZero() {
        bed.write32(GBPA, GBPA_UPDATE | GBPA_ABORT | 0x1000);
        assertEquals(GBPA_ABORT | 0x1000, bed.read32(GBPA));
    }

    @Test
    void irqCtrlAckFollowsIrqCtrl() {
        bed.write32(IRQ_CTRL, IRQ_GERROR | IRQ_EVENTQ);
        assertEquals(IRQ_GERROR | IRQ_EVENTQ, bed.read32(IRQ_CTRLACK));
        bed.write32(IRQ_CTRL, 0);
        assertEquals(0, bed.read32(IRQ_CTRLACK));
    }

    @Test
    void irqCtrlDropsPriqEnableWithoutPri() {
        bed.write32(IRQ_CTRL, 7);
        assertEquals(5, bed.read32(IRQ_CTRLACK));
    }

    @Test
    void eventQueueIndexesLiveOnPageOneAndAliasAtPageZero() {
        bed.write32(EVENTQ_CONS, 0x5);
        assertEquals(5, bed.read32(0x100AC));
        assertEquals(5, bed.read32(0xAC));
        bed.write32(0xA8, 3);
        assertEquals(3, bed.read32(EVENTQ_PROD));
    }

    @Test
    void cmdqConsIsReadOnlyWhileCommandQueueEnabled() {
        bed.write32(CMDQ_CONS, 2);
        bed.write32(CR0, CR0_CMDQEN);
        bed.write32(CMDQ_CONS, 7);
        assertEquals(2, bed.read32(CMDQ_CONS));
    }

    @Test
    void strtabBaseIgnoresWritesWhileSmmuEnabled() {
        bed.write64(STRTAB_BASE, 0x4000_0000L);
        bed.write32(CR0, CR0_SMMUEN);
        bed.write64(STRTAB_BASE, 0x4800_0000L);
        assertEquals(0x4000_0000L, bed.read64(STRTAB_BASE));
    }

    @Test
    void sixtyFourBitRegisterAcceptsTwoThirtyTwoBitHalves() {
        bed.write32(STRTAB_BASE, 0x4000_1000L);
        bed.write32(STRTAB_BASE + 4, 0x12);
        assertEquals(0x12_4000_1000L, bed.read64(STRTAB_BASE));
        assertEquals(0x12, bed.read32(STRTAB_BASE + 4));
    }

    @Test
    void queueBaseKeepsOnlyAddressLog2SizeAndAllocationHint() {
        bed.write64(CMDQ_BASE, -1L);
        assertEquals(QUEUE_BASE_MASK, bed.read64(CMDQ_BASE));
    }

    @Test
    void byteAndHalfwordAccessesAreDroppedAndReadZero() {
        bed.mem.write(SmmuTestBed.BASE + CR0, 1, 0xF);
        bed.mem.write(SmmuTestBed.BASE + CR0, 2, 0xF);
        assertEquals(0, bed.read32(CR0));
        assertEquals(0, bed.mem.read(SmmuTestBed.BASE + IDR0, 1));
    }

    @Test
    void unassignedOffsetsReadZeroAndIgnoreWrites() {
        bed.write32(0x1000, 0xFFFF_FFFFL);
        assertEquals(0, bed.read32(0x1000));
        assertEquals(0, bed.read32(0x1FFFC));
    }

    @Test
    void identificationRegistersMatchQemu() {
        assertEquals(0x84, bed.read32(0xFE0));
        assertEquals(0x0D, bed.read32(0xFF0));
        assertEquals(0xB1, bed.read32(0xFFC));
    }

    @Test
    void gerrornIsReadWriteOnImplementedErrors() {
        bed.write32(GERRORN, 0xFFFF_FFFFL);
        assertEquals(GERROR_IMPLEMENTED, bed.read32(GERRORN));
        assertEquals(0, bed.read32(GERROR));
    }

    @Test
    void msiConfigurationRegistersAreRazWithoutMsi() {
        SmmuTestBed wired = new SmmuTestBed(SmmuV3Config.defaults().withMsi(false));
        wired.write64(EVENTQ_IRQ_CFG0, 0x4000_0000L);
        assertEquals(0, wired.read64(EVENTQ_IRQ_CFG0));
        assertEquals(0, wired.read32(IDR0) >>> 13 & 1);
    }

    @Test
    void resetRestoresResetValues() {
        bed.write32(CR0, 0xD);
        bed.write32(GBPA, GBPA_UPDATE | GBPA_ABORT);
        bed.write32(CR2, 2);
        bed.machine.reset();
        assertEquals(0, bed.read32(CR0));
        assertEquals(0, bed.read32(CR0ACK));
        assertEquals(0x1000, bed.read32(GBPA));
        assertEquals(0, bed.read32(CR2));
    }
}
