package dev.vplat.guest.suites;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.client.EventListener;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.EduDriver;
import dev.vplat.guest.drivers.VtdFault;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.vplat.guest.drivers.VtdRegs.*;
import static dev.vplat.guest.suites.GuestRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 3: interrupt remapping of MSI and MSI-X (VT-d ch. 5, §9.10) by a guest driver — IRTEs,
 * remappable-format addresses, source-id verification, blocked compatibility format, the
 * interrupt entry cache — and INTx delivery. INTx remapping is not modelled (there is no IOAPIC),
 * so INTx is checked only for delivery.
 */
@GuestSuite
@DisplayName("3 Interrupt remapping")
public class InterruptRemappingSuite {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int VECTOR = 0x61, DESTINATION = 1;

    private static GuestRig remapping(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        rig.vtd.enableInterruptRemapping();
        rig.guest.irqWatch(true);
        return rig;
    }

    /**
     * The next MSI whose vector (data bits 7:0) is {@code vector}. A remapped message carries the
     * IRTE's delivery mode, trigger and level bits in the rest of the data (x86 MSI format), so
     * the vector is what identifies it.
     */
    private static Event.Msi awaitVector(GuestRig rig, int vector) {
        for (int i = 0; i < 64; i++) {
            Event.Msi msi = rig.guest.awaitMsi(WAIT);
            if ((msi.data() & 0xFF) == vector) {
                return msi;
            }
        }
        throw new AssertionError("no MSI with vector 0x" + Integer.toHexString(vector) + " among the next 64");
    }

    /** Collects every event so a test can show that one did not arrive before a later one did. */
    private static List<Event> recordEvents(GuestRig rig) {
        List<Event> events = new CopyOnWriteArrayList<>();
        EventListener l = events::add;
        rig.guest.addListener(l);
        return events;
    }

    @Test
    void enablingRemappingLatchesTheTableAndSetsIres(SuiteTarget target) {
        GuestRig rig = remapping(target);
        assertEquals(GCMD_IRE | GCMD_SIRTP, rig.vtd.gsts() & (GCMD_IRE | GCMD_SIRTP | GCMD_CFI), "IRES and IRTPS, CFIS off");
    }

    @Test
    void aRemappedEduMsiArrivesWithTheVectorAndDestinationOfItsIrte(SuiteTarget target) {
        GuestRig rig = remapping(target);
        EduDriver edu = rig.edu();
        int handle = rig.vtd.allocateIrte(VECTOR, DESTINATION, EDU.rid());
        edu.enableMsi(remappableMsiAddress(handle), 0);

        edu.raise(0x10);

        Event.Msi msi = awaitVector(rig, VECTOR);
        assertEquals(MSI_ADDRESS | DESTINATION << 12, msi.address(), "x86 MSI for APIC 1 (address bits 19:12)");
        edu.acknowledge(0x10);
    }

    @Test
    void aRemappedMsixVectorOfTheDmaTestDeviceIsDelivered(SuiteTarget target) {
        GuestRig rig = remapping(target);
        DmaTestDriver dev = rig.dmatest();
        int handle = rig.vtd.allocateIrte(VECTOR + 1, 0, DMATEST.rid());
        dev.enableMsix(remappableMsiAddress(handle), 0);

        assertEquals(DmaTestDriver.Result.DONE, dev.fill(rig.buffer(4096), 64, 0x01010101).result());

        Event.Msi msi = awaitVector(rig, VECTOR + 1);
        assertEquals(MSI_ADDRESS, msi.address());
    }

    @Test
    void aCompatibilityFormatMsiIsBlockedWithReason25(SuiteTarget target) {
        GuestRig rig = remapping(target);
        EduDriver edu = rig.edu();
        List<Event> events = recordEvents(rig);
        edu.enableMsi(MSI_ADDRESS, VECTOR + 2);

        edu.raise(0x10);
        edu.acknowledge(0x10);

        rig.guest.awaitMsi(FAULT_VECTOR, WAIT);
        assertTrue(events.stream().noneMatch(e -> e instanceof Event.Msi m && m.data() == VECTOR + 2),
                "the blocked interrupt was not delivered before the fault event: " + events);
        assertEquals(0x25, rig.vtd.readFaults().get(0).reason());
    }

    @Test
    void anIrteVerifyingAnotherRequesterBlocksWithReason26(SuiteTarget target) {
        GuestRig rig = remapping(target);
        EduDriver edu = rig.edu();
        int handle = rig.vtd.allocateIrte(VECTOR + 3, 0, DMATEST.rid());
        edu.enableMsi(remappableMsiAddress(handle), 0);

        edu.raise(0x10);
        edu.acknowledge(0x10);

        rig.guest.awaitMsi(FAULT_VECTOR, WAIT);
        List<VtdFault> faults = rig.vtd.readFaults();
        assertEquals(0x26, faults.get(0).reason());
        assertEquals(EDU.rid(), faults.get(0).sourceId());
    }

    @Test
    void aNotPresentIrteBlocksWithReason22(SuiteTarget target) {
        GuestRig rig = remapping(target);
        EduDriver edu = rig.edu();
        edu.enableMsi(remappableMsiAddress(200), 0);

        edu.raise(0x10);
        edu.acknowledge(0x10);

        rig.guest.awaitMsi(FAULT_VECTOR, WAIT);
        assertEquals(0x22, rig.vtd.readFaults().get(0).reason());
    }

    @Test
    void aRewrittenIrteTakesEffectOnlyAfterItsEntryIsInvalidated(SuiteTarget target) {
        GuestRig rig = remapping(target);
        EduDriver edu = rig.edu();
        int handle = rig.vtd.allocateIrte(VECTOR + 4, 0, EDU.rid());
        edu.enableMsi(remappableMsiAddress(handle), 0);
        edu.raise(0x10);
        edu.acknowledge(0x10);
        awaitVector(rig, VECTOR + 4);

        rig.vtd.writeIrteWithoutInvalidation(handle, irteLow(VECTOR + 5, 0), irteHigh(EDU.rid()));
        edu.raise(0x10);
        edu.acknowledge(0x10);
        awaitVector(rig, VECTOR + 4);

        rig.vtd.invalidateInterruptEntries(false, handle, 0);
        edu.raise(0x10);
        edu.acknowledge(0x10);
        awaitVector(rig, VECTOR + 5);
    }

    @Test
    void eduIntxIsAssertedWhileItsStatusIsRaisedAndReleasedOnAck(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        EduDriver edu = rig.edu();
        edu.pci().msi().orElseThrow().disable();
        edu.acknowledge(edu.interruptStatus());
        rig.guest.irqWatch(true);
        edu.useIntx();

        edu.raise(0x20);
        Event.Intx raised = rig.guest.awaitIntx(WAIT);
        edu.acknowledge(0x20);
        Event.Intx released = rig.guest.awaitIntx(WAIT);

        assertEquals(new Event.Intx(EDU.rid(), 1, true), raised, "INTA of 00:03.0 asserted");
        assertEquals(new Event.Intx(EDU.rid(), 1, false), released);
    }
}
