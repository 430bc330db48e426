package dev.vplat.guest.robust;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded fuzz run against an embedded server over a real socket. Longer runs:
 * {@code -Dvplat.fuzz.iterations=200000 -Dvplat.fuzz.seed=7}, or {@code vplat fuzz}.
 */
class ProtocolFuzzTest {
    private static final long ITERATIONS = Long.getLong("vplat.fuzz.iterations", 3000);
    private static final long SEED = Long.getLong("vplat.fuzz.seed", 1);

    @Test
    void everyInputIsAnsweredOrClosedCleanlyAndNothingLeaks() {
        FuzzRunner runner = new FuzzRunner(null, null, SEED, ITERATIONS);
        if (Boolean.getBoolean("vplat.fuzz.progress")) {
            runner.progress(new PrintWriter(System.out, true));
        }
        FuzzReport report = runner.run();
        StringWriter text = new StringWriter();
        report.print(new PrintWriter(text));
        System.out.print(text);
        assertTrue(report.inputs() >= ITERATIONS, text::toString);
        assertTrue(report.clean(), text::toString);
    }
}
