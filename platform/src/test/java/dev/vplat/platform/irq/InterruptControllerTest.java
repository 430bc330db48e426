package dev.vplat.platform.irq;

import dev.vplat.platform.trace.Trace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterruptControllerTest {
    private static final int RID_00_03_0 = 0x18;

    private final InterruptController irq = new InterruptController(new Trace());
    private final List<String> heard = new ArrayList<>();

    InterruptControllerTest() {
        irq.addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage m) {
                heard.add(String.format("msi %x %x %d", m.address(), m.data(), m.requesterId()));
            }

            @Override
            public void onIntx(int requesterId, int pin, boolean level) {
                heard.add("intx " + requesterId + " " + pin + " " + level);
            }
        });
    }

    @Test
    void msiReachesListenersWithAddressDataAndRequester() {
        irq.deliverMsi(new MsiMessage(0xFEE0_0000L, 0x4021, RID_00_03_0));

        assertEquals(List.of("msi fee00000 4021 24"), heard);
        assertEquals(1, irq.msiCount());
    }

    @Test
    void remapperRewritesTheMessageBeforeDelivery() {
        irq.addRemapper(m -> new MsiMessage(0xFEE0_1000L, 0x30, m.requesterId()));

        irq.deliverMsi(new MsiMessage(0xFEE0_0010L, 0x7, RID_00_03_0));

        assertEquals(List.of("msi fee01000 30 24"), heard);
    }

    @Test
    void remapperThatBlocksStopsDeliveryAndLaterRemappersNeverSeeIt() {
        List<MsiMessage> secondSaw = new ArrayList<>();
        irq.addRemapper(m -> m.requesterId() == RID_00_03_0 ? null : m);
        irq.addRemapper(m -> {
            secondSaw.add(m);
            return m;
        });

        irq.deliverMsi(new MsiMessage(0xFEE0_0000L, 1, RID_00_03_0));
        irq.deliverMsi(new MsiMessage(0xFEE0_0000L, 2, 0x20));

        assertEquals(List.of("msi fee00000 2 32"), heard);
        assertEquals(1, secondSaw.size());
        assertEquals(1, irq.msiBlockedCount());
        assertEquals(1, irq.msiCount());
    }

    @Test
    void removedRemapperNoLongerBlocks() {
        MsiRemapper blockAll = m -> null;
        irq.addRemapper(blockAll);
        irq.removeRemapper(blockAll);

        irq.deliverMsi(new MsiMessage(0xFEE0_0000L, 1, -1));

        assertEquals(1, heard.size());
    }

    @Test
    void intxListenersHearOnlyLevelChanges() {
        irq.setIntx(RID_00_03_0, 1, true);
        irq.setIntx(RID_00_03_0, 1, true);
        irq.setIntx(RID_00_03_0, 1, false);
        irq.setIntx(RID_00_03_0, 1, false);

        assertEquals(List.of("intx 24 1 true", "intx 24 1 false"), heard);
    }

    @Test
    void loweringALineThatWasNeverRaisedIsSilent() {
        irq.setIntx(RID_00_03_0, 2, false);

        assertTrue(heard.isEmpty());
        assertFalse(irq.intxLevel(RID_00_03_0, 2));
    }

    @Test
    void intxLevelIsKeptPerFunctionAndPin() {
        irq.setIntx(RID_00_03_0, 1, true);

        assertTrue(irq.intxLevel(RID_00_03_0, 1));
        assertFalse(irq.intxLevel(RID_00_03_0, 2));
        assertFalse(irq.intxLevel(0x20, 1));
    }

    @Test
    void pinsOutsideIntaToIntdAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> irq.setIntx(RID_00_03_0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> irq.setIntx(RID_00_03_0, 5, true));
    }

    @Test
    void x86WindowCoversFee00000ToFeeFffff() {
        assertTrue(MsiMessage.inX86Window(0xFEE0_0000L));
        assertTrue(MsiMessage.inX86Window(0xFEEF_FFFFL));
        assertFalse(MsiMessage.inX86Window(0xFEF0_0000L));
        assertFalse(MsiMessage.inX86Window(0xFEDF_FFFFL));
    }
}
