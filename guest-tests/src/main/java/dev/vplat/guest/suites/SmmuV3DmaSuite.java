package dev.vplat.guest.suites;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Outcome;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.SmmuCommand;
import dev.vplat.guest.drivers.SmmuV3Domain;
import dev.vplat.guest.drivers.SmmuV3Driver;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.vplat.guest.drivers.SmmuV3Regs.*;
import static dev.vplat.guest.suites.GuestRig.pattern;
import static dev.vplat.guest.suites.SmmuRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 8 (part 1): a guest SMMUv3 driver brings the guest-owned unit of an Arm {@code virt}
 * machine up in Linux's order, and the DMA test device reaches memory through the STEs, CDs and
 * stage 1 tables it builds in guest memory; its MSI-X reaches the ITS through a doorbell page
 * the driver maps, as iommu_dma_prepare_msi does for a DMA domain.
 */
@GuestSuite(machine = "virt", iommus = "arm-smmuv3,owner=guest")
@DisplayName("8 SMMUv3 bring-up and DMA")
public class SmmuV3DmaSuite {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long IOVA_A = 0x10_0000L, IOVA_B = 0x20_0000L;
    /** Where the driver maps the ITS page for the device (Linux's MSI_IOVA_BASE). */
    static final long MSI_IOVA = 0x800_0000L;

    @Test
    void bringUpEnablesQueuesInterruptsAndTranslationWithEveryWriteAcknowledged(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuV3Driver smmu = rig.smmu;

        assertEquals(CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN, smmu.readl(CR0ACK));
        assertEquals(IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN, smmu.readl(IRQ_CTRLACK));
        assertEquals(STRTAB_BASE_RA | smmu.streamTable(), smmu.readq(STRTAB_BASE));
        assertEquals(8, smmu.readl(STRTAB_BASE_CFG), "linear format (FMT 0), LOG2SIZE 8");
        assertEquals(Q_BASE_RWA | smmu.commandQueue() | 8, smmu.readq(CMDQ_BASE));
        assertEquals(smmu.commandQueueProd(), smmu.readl(CMDQ_CONS), "CFGI_ALL, TLBI_NSNH_ALL and their syncs consumed");
        assertEquals(0, smmu.readl(GERROR) ^ smmu.readl(GERRORN), "no global error active");
        assertEquals(SmmuV3Driver.SyncMode.MSI_POLL, smmu.syncMode(), "IDR0.MSI and COHACC: Linux's MSIPOLL");
        assertEquals(ITS_DOORBELL, smmu.readq(EVENTQ_IRQ_CFG0));
        assertEquals(EVENTQ_DATA, smmu.readl(EVENTQ_IRQ_CFG1));
    }

    @Test
    void aUnitFoundEnabledIsAbortedThroughGbpaBeforeItIsReprogrammed(SuiteTarget target) {
        new SmmuRig(target).bringUp();
        SmmuRig again = new SmmuRig(target).bringUp();

        assertEquals(GBPA_ABORT, again.smmu.readl(GBPA) & (GBPA_ABORT | GBPA_UPDATE),
                "GBPA.ABORT latched by the Update handshake, Update reads 0 again");
        assertEquals(CR0_SMMUEN | CR0_EVENTQEN | CR0_CMDQEN, again.smmu.readl(CR0ACK));
    }

    @Test
    void cmdSyncWithSigIrqToTheItsArrivesAsAnMsiFromTheUnit(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        rig.guest.irqWatch(true);

        rig.smmu.publish(SmmuCommand.sync(SYNC_CS_IRQ, ITS_DOORBELL, 0x77));

        Event.Msi msi = rig.guest.awaitMsi(0x77, WAIT);
        assertEquals(ITS_DOORBELL, msi.address());
        assertEquals(0xFFFF, msi.requesterId(), "the unit's own MSI carries no requester ID (-1 in the u16 of EVENT_MSI)");
    }

    @Test
    void aBypassSteLetsDmaThroughUntranslated(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        long source = rig.buffer(4096), sink = rig.buffer(4096);
        byte[] data = pattern(256, 11);
        rig.guest.memWrite(source, data);
        rig.smmu.setBypass(DMATEST);

        assertEquals(new Outcome(Result.DONE, 256, 0), dev.copy(source, sink, 256));
        assertArrayEquals(data, rig.guest.memRead(sink, 256));
    }

    @Test
    void anAbortSteBlocksDmaWithoutRecordingAnEvent(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        long page = rig.buffer(4096);

        assertEquals(Result.TRANSLATION_FAULT, dev.writeValue(page, 0x1234, 4).result(),
                "every STE starts as Linux's abort STE");
        assertEquals(0, rig.guest.readl(page), "nothing was written");
        assertTrue(rig.smmu.readEvents().isEmpty(), "Config = abort terminates silently (arm_smmu_make_abort_ste)");
    }

    @Test
    void stage1DmaGoesThroughTheTablesOfTheDomainsContextDescriptor(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        long source = rig.buffer(8192), sink = rig.buffer(8192);
        byte[] data = pattern(8192, 12);
        rig.guest.memWrite(source, data);
        SmmuV3Domain domain = rig.smmu.createDomain();
        rig.smmu.map(domain, IOVA_A, source, 8192, false);
        rig.smmu.map(domain, IOVA_B, sink, 8192, true);
        rig.smmu.attach(domain, DMATEST);

        assertEquals(new Outcome(Result.DONE, 8192, 0), dev.copy(IOVA_A, IOVA_B, 8192));
        assertArrayEquals(data, rig.guest.memRead(sink, 8192));
        assertEquals(1, domain.asid(), "ASIDs are handed out from 1");
        assertEquals(STE_V | STE_CFG_S1_TRANS << 1 | rig.smmu.cdTable(DMATEST), rig.smmu.ste(DMATEST.rid())[0]);
        assertTrue(rig.smmu.readEvents().isEmpty());
    }

    @Test
    void dmatestMsixReachesTheItsThroughTheDoorbellPageMappedInTheDomain(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        long sink = rig.buffer(4096);
        SmmuV3Domain domain = rig.smmu.createDomain();
        rig.smmu.map(domain, IOVA_A, sink, 4096, true);
        rig.smmu.map(domain, MSI_IOVA, ITS_DOORBELL & ~0xFFFL, 4096, true);
        rig.smmu.attach(domain, DMATEST);
        dev.enableMsix(MSI_IOVA | (ITS_DOORBELL & 0xFFF), DEVICE_DATA);
        rig.guest.irqWatch(true);

        assertEquals(Result.DONE, dev.fill(IOVA_A, 4096, 0x5A5A5A5A).result());

        Event.Msi msi = rig.guest.awaitMsi(DEVICE_DATA, WAIT);
        assertEquals(ITS_DOORBELL, msi.address(), "the SMMU translated the MSI IOVA to GITS_TRANSLATER");
        assertEquals(DMATEST.rid(), msi.requesterId(), "the ITS sees the device's requester ID as DeviceID");
    }

    @Test
    void aFaultRaisesTheEventQueueMsi(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        rig.smmu.attach(rig.smmu.createDomain(), DMATEST);
        rig.guest.irqWatch(true);

        assertEquals(Result.TRANSLATION_FAULT, dev.writeValue(IOVA_A, 1, 4).result());

        Event.Msi msi = rig.guest.awaitMsi(EVENTQ_DATA, WAIT);
        assertEquals(ITS_DOORBELL, msi.address());
        assertEquals(1, rig.smmu.readEvents().size());
    }
}
