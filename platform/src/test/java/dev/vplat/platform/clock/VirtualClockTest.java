package dev.vplat.platform.clock;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VirtualClockTest {
    private final VirtualClock clock = new VirtualClock();
    private final List<String> fired = new ArrayList<>();

    private Timer timer(String name) {
        return clock.newTimer(name, () -> fired.add(name + "@" + clock.now()));
    }

    @Test
    void timeMovesOnlyWhenStepped() {
        Timer t = timer("t");
        t.armIn(100);

        assertEquals(0, clock.now());
        assertTrue(fired.isEmpty());
        clock.step(99);
        assertTrue(fired.isEmpty());
        clock.step(1);
        assertEquals(List.of("t@100"), fired);
        assertFalse(t.armed());
    }

    @Test
    void timersFireInDeadlineOrderAtTheirOwnDeadlines() {
        timer("late").armAt(300);
        timer("early").armAt(100);
        timer("middle").armAt(200);

        assertEquals(1000, clock.step(1000));

        assertEquals(List.of("early@100", "middle@200", "late@300"), fired);
    }

    @Test
    void timersWithEqualDeadlinesFireInArmingOrder() {
        timer("b").armAt(50);
        timer("a").armAt(50);
        timer("c").armAt(50);

        clock.step(50);

        assertEquals(List.of("b@50", "a@50", "c@50"), fired);
    }

    @Test
    void reArmingMovesTheTimerToTheBackOfItsNewDeadline() {
        Timer a = timer("a");
        a.armAt(50);
        timer("b").armAt(50);
        a.armAt(50);

        clock.step(50);

        assertEquals(List.of("b@50", "a@50"), fired);
    }

    @Test
    void periodicTimerReArmedFromItsCallbackKeepsAnExactPeriod() {
        Timer[] self = new Timer[1];
        self[0] = clock.newTimer("tick", () -> {
            fired.add("tick@" + clock.now());
            self[0].armIn(30);
        });
        self[0].armIn(30);

        clock.step(100);

        assertEquals(List.of("tick@30", "tick@60", "tick@90"), fired);
        assertEquals(120, self[0].deadline());
        assertEquals(100, clock.now());
    }

    @Test
    void callbackMayCancelATimerThatIsDueInTheSameStep() {
        Timer victim = timer("victim");
        clock.newTimer("killer", victim::cancel).armAt(10);
        victim.armAt(20);

        clock.step(30);

        assertTrue(fired.isEmpty());
        assertFalse(victim.armed());
    }

    @Test
    void stepToNextDeadlineFiresOnlyWhatIsDueThere() {
        timer("a").armAt(40);
        timer("b").armAt(40);
        timer("c").armAt(70);

        assertEquals(40, clock.stepToNextDeadline());

        assertEquals(List.of("a@40", "b@40"), fired);
        assertEquals(70, clock.nextDeadline());
    }

    @Test
    void stepToNextDeadlineWithNoTimerArmedLeavesTimeAlone() {
        clock.step(5);

        assertEquals(5, clock.stepToNextDeadline());
        assertEquals(-1, clock.nextDeadline());
    }

    @Test
    void deadlineInThePastFiresAtTheNextStepWithoutMovingTimeBack() {
        clock.step(100);
        timer("past").armAt(10);

        assertEquals(100, clock.stepToNextDeadline());
        assertEquals(List.of("past@100"), fired);
    }

    @Test
    void hugeDelayNeverWrapsIntoThePast() {
        clock.step(10);
        Timer t = timer("forever");
        t.armIn(Long.MAX_VALUE);

        clock.step(1_000_000);

        assertTrue(fired.isEmpty());
        assertEquals(Long.MAX_VALUE, t.deadline());
    }

    @Test
    void cancelledTimerDoesNotFire() {
        Timer t = timer("t");
        t.armIn(10);
        t.cancel();

        clock.step(20);

        assertTrue(fired.isEmpty());
        assertEquals(-1, clock.nextDeadline());
    }

    @Test
    void clockRefusesToGoBackOrToBeSteppedFromACallback() {
        clock.step(10);
        assertThrows(IllegalArgumentException.class, () -> clock.advanceTo(5));
        assertThrows(IllegalArgumentException.class, () -> clock.step(-1));
        assertThrows(IllegalArgumentException.class, () -> timer("t").armIn(-1));

        clock.newTimer("nested", () -> clock.step(1)).armIn(1);
        assertThrows(IllegalStateException.class, () -> clock.step(1));
        assertEquals(11, clock.now());
    }
}
