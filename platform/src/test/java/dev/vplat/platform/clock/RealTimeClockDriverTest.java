package dev.vplat.platform.clock;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Uses a hand-moved wall clock, so nothing here depends on real time passing. */
class RealTimeClockDriverTest {
    private final VirtualClock clock = new VirtualClock();
    private long wall = 1_000_000;
    private final RealTimeClockDriver driver = new RealTimeClockDriver(clock, () -> wall);

    @Test
    void pollBringsVirtualTimeUpToTheWallTimeElapsedAndFiresDueTimers() {
        int[] fired = {0};
        clock.newTimer("t", () -> fired[0]++).armAt(500);

        wall += 400;
        assertEquals(400, driver.poll());
        assertEquals(0, fired[0]);
        wall += 200;
        assertEquals(600, driver.poll());
        assertEquals(1, fired[0]);
    }

    @Test
    void virtualTimeSteppedAheadIsNeverTakenBack() {
        clock.step(1000);
        wall += 10;

        assertEquals(1000, driver.poll());
    }

    @Test
    void ownerLearnsHowLongItMaySleepBeforeTheNextDeadline() {
        assertEquals(-1, driver.wallNanosUntilNextDeadline());
        clock.newTimer("t", () -> { }).armAt(700);
        wall += 200;

        assertEquals(500, driver.wallNanosUntilNextDeadline());
        wall += 600;
        assertEquals(0, driver.wallNanosUntilNextDeadline());
    }

    @Test
    void mappingStartsFromTheVirtualTimeAtCreation() {
        clock.step(5000);
        RealTimeClockDriver late = new RealTimeClockDriver(clock, () -> wall);
        wall += 100;

        assertEquals(5100, late.poll());
    }
}
