package dev.vplat.guest.robust;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a fuzz run found: how many inputs and sessions it ran, how the server answered them (by
 * errno), the findings — any input not answered with an error or a valid reply or a clean close,
 * any internal error, counters that did not come back, a server that could not serve a fresh
 * client afterwards — and the health counters before and after.
 */
public record FuzzReport(long seed, long inputs, long sessions, Duration elapsed, Map<String, Long> answers,
                         List<Finding> findings, Map<String, Long> baseline, Map<String, Long> after) {
    /** One problem, with what reproduces it: the seed, the session number and the input. */
    public record Finding(long session, int input, String what, String problem, String hex) {
        @Override
        public String toString() {
            return "session " + session + (input >= 0 ? " input " + input + " (" + what + ")" : "") + ": " + problem
                    + (hex.isEmpty() ? "" : "\n    " + hex);
        }
    }

    public boolean clean() {
        return findings.isEmpty();
    }

    public void print(PrintWriter out) {
        out.printf("vplat fuzz: seed %d, %d inputs in %d sessions, %.1f s%n", seed, inputs, sessions,
                elapsed.toMillis() / 1000.0);
        out.println("answers: " + answers);
        out.println("counters before: " + baseline);
        out.println("counters after:  " + after);
        if (findings.isEmpty()) {
            out.println("OK: no findings");
        } else {
            out.println("FINDINGS: " + findings.size());
            findings.forEach(f -> out.println("  " + f));
        }
        out.flush();
    }
}
