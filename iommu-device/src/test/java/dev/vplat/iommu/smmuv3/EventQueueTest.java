package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.irq.MsiMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.vplat.iommu.smmuv3.SmmuRegisters.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Event queue production, wrap and overflow (IHI 0070 §7.4), interrupts and GERROR (§7.5). */
class EventQueueTest {
    private final SmmuTestBed bed = new SmmuTestBed();

    /** Each read of an unconfigured StreamID records one C_BAD_STE. */
    private void badSteEvents(int count) {
        for (int i = 0; i < count; i++) {
            bed.read(i, 0);
        }
    }

    @Test
    void eventsFillSlotsAndProdWrapsAfterLastSlot() {
        bed.enable(8);
        badSteEvents(8);
        assertEquals(1 << SmmuTestBed.EVENTQ_LOG2, bed.read32(EVENTQ_PROD));
        for (int i = 0; i < 8; i++) {
            assertEquals(0x04 | (long) i << 32, bed.nextEvent()[0]);
        }
        badSteEvents(1);
        assertEquals(1 << SmmuTestBed.EVENTQ_LOG2 | 1, bed.read32(EVENTQ_PROD));
        assertArrayEquals(new long[] {0x04, 0, 0, 0}, bed.nextEvent());
    }

    @Test
    void fullQueueDiscardsRecordAndTogglesOverflowFlagOnce() {
        bed.enable(8);
        badSteEvents(10);
        assertEquals(OVERFLOW_FLAG | 1 << SmmuTestBed.EVENTQ_LOG2, bed.read32(EVENTQ_PROD));
        assertEquals(8, bed.smmu.eventsRecorded());
        assertEquals(2, bed.smmu.eventsDiscarded());
    }

    @Test
    void acknowledgedOverflowCanBeReportedAgain() {
        bed.enable(8);
        badSteEvents(9);
        for (int i = 0; i < 8; i++) {
            bed.nextEvent();
        }
        bed.write32(EVENTQ_CONS, bed.read32(EVENTQ_CONS) | OVERFLOW_FLAG);
        badSteEvents(9);
        assertEquals(0, bed.read32(EVENTQ_PROD) & OVERFLOW_FLAG);
    }

    @Test
    void disabledEventQueueDropsRecords() {
        bed.enable(8);
        bed.write32(CR0, CR0_CMDQEN | CR0_SMMUEN);
        badSteEvents(1);
        assertEquals(0, bed.read32(EVENTQ_PROD));
    }

    @Test
    void eventQueueProdIsReadOnlyWhileEnabled() {
        bed.enable(8);
        bed.write32(EVENTQ_PROD, 5);
        assertEquals(0, bed.read32(EVENTQ_PROD));
    }

    @Test
    void eventQueueOutsideRamActivatesEventqAbtErr() {
        bed.enable(8);
        bed.write32(CR0, CR0_CMDQEN | CR0_SMMUEN);
        bed.write64(EVENTQ_BASE, 0x3000_0000L | 3);
        bed.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        badSteEvents(1);
        assertEquals(1L << GERROR_EVENTQ_ABT, bed.read32(GERROR));
    }

    @Test
    void eventSendsMsiFromEventqIrqCfgWhenEnabled() {
        bed.enable(8);
        bed.write64(EVENTQ_IRQ_CFG0, 0x0808_0040L);
        bed.write32(EVENTQ_IRQ_CFG1, 0x21);
        badSteEvents(1);
        assertTrue(bed.msis.isEmpty());
        bed.write32(IRQ_CTRL, IRQ_EVENTQ);
        badSteEvents(1);
        assertEquals(List.of(new MsiMessage(0x0808_0040L, 0x21, -1)), bed.msis);
    }

    @Test
    void commandErrorSendsGerrorMsi() {
        bed.enable(8);
        bed.write64(GERROR_IRQ_CFG0, 0x0808_0040L);
        bed.write32(GERROR_IRQ_CFG1, 0x22);
        bed.write32(IRQ_CTRL, IRQ_GERROR);
        bed.submit(0xFF, 0);
        assertEquals(List.of(new MsiMessage(0x0808_0040L, 0x22, -1)), bed.msis);
    }

    @Test
    void activeGlobalErrorIsNotToggledAgain() {
        bed.enable(8);
        bed.submit(0xFF, 0);
        bed.write32(CMDQ_PROD, 1);
        assertEquals(1, bed.read32(GERROR));
    }

    @Test
    void acknowledgingWhileTheBadCommandRemainsReactivatesCmdqErrByToggling() {
        bed.enable(8);
        bed.submit(0xFF, 0);
        bed.write32(GERRORN, 1);
        assertEquals(0, bed.read32(GERROR));
        assertEquals(1, bed.read32(GERROR) ^ bed.read32(GERRORN));
    }

    @Test
    void gerrorMsiBeyondOasActivatesMsiGerrorAbtErr() {
        bed.enable(8);
        bed.write64(GERROR_IRQ_CFG0, 1L << 50);
        bed.write32(IRQ_CTRL, IRQ_GERROR);
        bed.submit(0xFF, 0);
        assertEquals(1 | 1L << GERROR_MSI_GERROR_ABT, bed.read32(GERROR));
    }

    @Test
    void wiredUnitPulsesEventqLine() {
        SmmuTestBed wired = new SmmuTestBed(SmmuV3Config.defaults().withMsi(false));
        wired.enable(8);
        wired.write32(IRQ_CTRL, IRQ_EVENTQ);
        wired.read(1, 0);
        assertEquals(List.of("1+", "1-"), wired.lines);
    }

    @Test
    void pageRequestIsWrittenToPriQueue() {
        SmmuTestBed pri = new SmmuTestBed(SmmuV3Config.defaults().withPri(true));
        pri.enable(8);
        long priq = pri.alloc(16 * 4, 64);
        pri.write64(PRIQ_BASE, priq | 2);
        pri.write32(PRIQ_PROD, 0);
        pri.write32(PRIQ_CONS, 0);
        pri.write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_PRIQEN | CR0_SMMUEN);
        assertTrue(pri.smmu.requestPage(0x42, 7, 0x1234_5000L, true, true, false, 0x11, true));
        assertEquals(0x42 | 7L << 32 | 1L << 60 | 1L << 61 | 1L << 62 | 1L << 63, pri.word(priq));
        assertEquals(0x1234_5000L | 0x11, pri.word(priq + 8));
        assertEquals(1, pri.read32(PRIQ_PROD));
    }

    @Test
    void failureInsideTheModelEntersServiceFailureModeInsteadOfThrowing() {
        SmmuTestBed pri = new SmmuTestBed(SmmuV3Config.defaults().withPri(true));
        pri.enable(8);
        pri.smmu.pageResponseListener((sid, ssv, ssid, prg, resp) -> {
            throw new IllegalStateException("device side broke");
        });
        pri.submit(CommandExecutor.PRI_RESP, 0);
        assertTrue(pri.smmu.inServiceFailureMode());
        assertEquals(1L << GERROR_SFM, pri.read32(GERROR));
        assertEquals(dev.vplat.pci.dma.DmaStatus.TRANSLATION_FAULT, pri.read(0, 0).status());
        pri.machine.reset();
        assertTrue(!pri.smmu.inServiceFailureMode());
    }
}
