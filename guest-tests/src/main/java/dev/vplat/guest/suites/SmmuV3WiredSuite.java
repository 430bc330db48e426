package dev.vplat.guest.suites;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.SmmuCommand;
import dev.vplat.guest.drivers.SmmuV3Domain;
import dev.vplat.guest.drivers.SmmuV3Driver;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.vplat.guest.drivers.SmmuV3Regs.*;
import static dev.vplat.guest.suites.SmmuRig.DMATEST;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 8 (part 5): a unit without MSIs ({@code msi=off}, like QEMU's): the driver completes
 * CMD_SYNC by polling CMDQ_CONS (SIG_SEV) instead of the MSI write, the *_IRQ_CFG registers are
 * RAZ/WI, and the event queue signals on its wired line (QEMU's SPI order: line 1).
 */
@GuestSuite(machine = "virt", iommus = "arm-smmuv3,owner=guest,msi=off")
@DisplayName("8 SMMUv3 without MSIs")
public class SmmuV3WiredSuite {
    private static final long IOVA = 0x30_0000L;

    @Test
    void withoutMsisSyncsArePolledOnCmdqConsAndStillComplete(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuV3Driver smmu = rig.smmu;
        assertEquals(0, smmu.idr0() & 1 << 13, "IDR0.MSI = 0");
        assertEquals(SmmuV3Driver.SyncMode.CONS_POLL, smmu.syncMode());
        assertEquals(0, smmu.readq(EVENTQ_IRQ_CFG0), "RAZ/WI without MSIs");

        smmu.issue(SmmuCommand.cfgiAll(), SmmuCommand.tlbiNsnhAll());

        assertEquals(smmu.commandQueueProd(), smmu.readl(CMDQ_CONS));
        SmmuV3Domain domain = smmu.createDomain();
        long page = rig.buffer(4096);
        smmu.map(domain, IOVA, page, 4096, true);
        smmu.attach(domain, DMATEST);
        assertEquals(Result.DONE, rig.dmatest().writeValue(IOVA, 0xCAFE, 2).result());
        assertEquals(0xCAFE, rig.guest.readw(page));
    }

    @Test
    void aFaultPulsesTheWiredEventQueueLine(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        rig.smmu.attach(rig.smmu.createDomain(), DMATEST);
        rig.guest.irqWatch(true);

        assertEquals(Result.TRANSLATION_FAULT, dev.writeValue(IOVA, 1, 4).result());

        Event.Intx raised = rig.guest.awaitIntx(SmmuV3DmaSuite.WAIT);
        assertEquals(new Event.Intx(0xFFFF, 1, true), raised, "line 1 of the unit (no requester) asserted");
        assertEquals(new Event.Intx(0xFFFF, 1, false), rig.guest.awaitIntx(SmmuV3DmaSuite.WAIT), "then released");
        assertEquals(1, rig.smmu.readEvents().size());
    }
}
