package dev.vplat.guest.suites;

import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.SmmuCommand;
import dev.vplat.guest.drivers.SmmuEventRecord;
import dev.vplat.guest.drivers.SmmuV3Domain;
import dev.vplat.guest.drivers.SmmuV3Driver;
import dev.vplat.guest.drivers.SmmuV3Driver.CommandFault;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.guest.drivers.SmmuV3Regs.*;
import static dev.vplat.guest.suites.SmmuRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 8 (part 3): the queues as a driver meets them — a command error stops the command queue
 * with CMDQ_CONS.ERR and GERROR.CMDQ_ERR until the driver skips it (IHI 0070 §7.1, §7.5), the
 * rings wrap with their wrap flags (§3.5), and a full event queue drops records and flags the
 * overflow in EVENTQ_PROD.OVFLG until acknowledged (§7.4).
 */
@GuestSuite(machine = "virt", iommus = "arm-smmuv3,owner=guest")
@DisplayName("8 SMMUv3 queues and command errors")
public class SmmuV3QueueSuite {
    private static final long IOVA = 0x60_0000L;
    /** A reserved opcode (§4.1.1): CERROR_ILL. */
    private static final int RESERVED_OPCODE = 0x0F;

    @Test
    void anIllegalCommandStopsTheQueueWithErrIllAndGerrorUntilTheHandlerSkipsIt(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuV3Driver smmu = rig.smmu;
        rig.guest.irqWatch(true);
        int bad = nextIndex(smmu.commandQueueProd(), 1);

        smmu.publish(SmmuCommand.tlbiNsnhAll(), SmmuCommand.raw(RESERVED_OPCODE), SmmuCommand.tlbiNsnhAll());

        int cons = smmu.readl(CMDQ_CONS);
        assertEquals(bad, cons & 0xFFFFF, "CONS.RD stays on the failing command");
        assertEquals(CERROR_ILL, (cons & CMDQ_CONS_ERR_MASK) >>> CMDQ_CONS_ERR_SHIFT);
        assertEquals(GERROR_CMDQ_ERR, (smmu.readl(GERROR) ^ smmu.readl(GERRORN)) & GERROR_CMDQ_ERR);
        assertEquals(ITS_DOORBELL, rig.guest.awaitMsi(GERROR_DATA, SmmuV3DmaSuite.WAIT).address(),
                "the GERROR MSI went to the ITS");

        assertEquals(GERROR_CMDQ_ERR, smmu.handleGlobalErrors());

        assertEquals(List.of(new CommandFault(CERROR_ILL, bad, SmmuCommand.raw(RESERVED_OPCODE))), smmu.commandFaults());
        assertEquals(0, smmu.readl(GERROR) ^ smmu.readl(GERRORN), "acknowledged");
        assertEquals(smmu.commandQueueProd(), smmu.readl(CMDQ_CONS) & 0xFFFFF,
                "the replacement CMD_SYNC and the command after it were consumed");
        assertEquals(CERROR_ILL, (smmu.readl(CMDQ_CONS) & CMDQ_CONS_ERR_MASK) >>> CMDQ_CONS_ERR_SHIFT,
                "ERR keeps the last error while RD moves on");
        smmu.issue(SmmuCommand.cfgiAll());
        assertEquals(1, smmu.commandFaults().size(), "the queue works again");
    }

    @Test
    void aSyncWithTheReservedCompletionSignalIsIllegalAndIssueRecoversFromIt(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuCommand reservedCs = SmmuCommand.sync(3L << 12, 0, 0);

        rig.smmu.issue(SmmuCommand.tlbiNsnhAll(), reservedCs);

        List<CommandFault> faults = rig.smmu.commandFaults();
        assertEquals(1, faults.size());
        assertEquals(CERROR_ILL, faults.get(0).code(), "CMD_SYNC CS = 0b11 is CERROR_ILL (§4.7.3)");
        assertEquals(reservedCs, faults.get(0).command());
        assertEquals(0, rig.smmu.readl(GERROR) ^ rig.smmu.readl(GERRORN));
    }

    @Test
    void theCommandQueueWrapsAndEveryCommandAcrossTheWrapTakesEffect(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp(new SmmuV3Driver.Geometry(8, 2, 7));
        SmmuV3Driver smmu = rig.smmu;
        assertEquals(0b100, smmu.commandQueueProd(), "bring-up's four entries wrapped the 4-entry ring once");
        SmmuV3Domain domain = smmu.createDomain();
        DmaTestDriver dev = rig.dmatest();
        int pages = 6;
        for (int i = 0; i < pages; i++) {
            smmu.map(domain, IOVA + 4096L * i, rig.buffer(4096), 4096, true);
        }
        smmu.attach(domain, DMATEST);
        List<SmmuCommand> tlbis = new ArrayList<>();
        for (int i = 0; i < pages; i++) {
            assertEquals(Result.DONE, dev.writeValue(IOVA + 4096L * i, i, 8).result());
            tlbis.add(SmmuCommand.tlbiNhVa(domain.asid(), IOVA + 4096L * i));
        }
        domain.table().unmap(IOVA, pages * 4096L);
        int before = smmu.commandQueueProd();

        smmu.issue(tlbis.toArray(new SmmuCommand[0]));

        assertEquals((before + pages + 1) & 0b111, smmu.commandQueueProd(), "seven entries through a ring of four");
        assertEquals(smmu.commandQueueProd(), smmu.readl(CMDQ_CONS), "CONS caught up, wrap flag included");
        for (int i = 0; i < pages; i++) {
            assertEquals(Result.TRANSLATION_FAULT, dev.writeValue(IOVA + 4096L * i, i, 8).result(),
                    "page " + i + " was invalidated");
        }
    }

    @Test
    void theEventQueueWrapsAndRecordsComeBackInOrder(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp(new SmmuV3Driver.Geometry(8, 8, 2));
        DmaTestDriver dev = rig.dmatest();
        rig.smmu.attach(rig.smmu.createDomain(), DMATEST);
        List<Long> seen = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 3; i++) {
                dev.writeValue(IOVA + 0x1000L * (3 * round + i), 0, 4);
            }
            rig.smmu.readEvents().forEach(e -> seen.add(e.inputAddress()));
        }

        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            expected.add(IOVA + 0x1000L * i);
        }
        assertEquals(expected, seen);
        assertEquals(9 & 0b111, rig.smmu.readl(EVENTQ_CONS), "nine records through a 4-entry ring: wrap flag 0, index 1");
        assertEquals(0, rig.smmu.eventOverflows());
    }

    @Test
    void aFullEventQueueDropsRecordsAndFlagsTheOverflowUntilItIsAcknowledged(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp(new SmmuV3Driver.Geometry(8, 8, 1));
        DmaTestDriver dev = rig.dmatest();
        rig.smmu.attach(rig.smmu.createDomain(), DMATEST);
        for (int i = 0; i < 4; i++) {
            dev.writeValue(IOVA + 0x1000L * i, 0, 4);
        }

        int prod = rig.smmu.readl(EVENTQ_PROD);
        assertEquals(Q_OVERFLOW_FLAG, (prod ^ rig.smmu.readl(EVENTQ_CONS)) & Q_OVERFLOW_FLAG,
                "OVFLG differs from OVACKFLG: an overflow is present");
        assertEquals(0b10, prod & 0xFFFFF, "two records written: the ring of two is full");

        List<SmmuEventRecord> kept = rig.smmu.readEvents();

        assertEquals(List.of(IOVA, IOVA + 0x1000L), kept.stream().map(SmmuEventRecord::inputAddress).toList(),
                "the first two faults were kept, the rest discarded");
        assertEquals(1, rig.smmu.eventOverflows());
        assertEquals(0, (rig.smmu.readl(EVENTQ_PROD) ^ rig.smmu.readl(EVENTQ_CONS)) & Q_OVERFLOW_FLAG,
                "CONS.OVACKFLG now matches OVFLG");
        dev.writeValue(IOVA + 0x9000L, 0, 4);
        assertEquals(List.of(IOVA + 0x9000L),
                rig.smmu.readEvents().stream().map(SmmuEventRecord::inputAddress).toList(), "recording resumed");
    }

    private static int nextIndex(int prod, int steps) {
        return (prod + steps) & 0x1FF;
    }
}
