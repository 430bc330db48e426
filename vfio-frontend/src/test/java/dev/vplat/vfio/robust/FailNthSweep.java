package dev.vplat.vfio.robust;

import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The iommufd_fail_nth loop: runs one call with the N-th fault point failing, for N = 1, 2, …,
 * until the call passes all its fault points and succeeds. Each failed run must end in the
 * injected errno with the host exactly as it was before the call ({@link HostState}), which is
 * also what lets the next N start from the same state.
 */
final class FailNthSweep {
    private static final int MAX_POINTS = 10_000;

    /** How many fault points the call passed, and which, in its successful run. */
    record Result(int points, List<FaultPoint> passed) { }

    private FailNthSweep() {
    }

    static Result run(HostBench bench, String name, Runnable call, long... probeIovas) {
        for (int n = 1; n <= MAX_POINTS; n++) {
            HostState before = HostState.capture(bench, probeIovas);
            ErrnoException failure = null;
            Optional<FaultPoint> fired;
            List<FaultPoint> passed;
            try (FailNth f = FailNth.arm(bench.kernel, n)) {
                try {
                    call.run();
                } catch (ErrnoException e) {
                    failure = e;
                }
                fired = f.fired();
                passed = f.passed();
            }
            if (fired.isEmpty()) {
                if (failure != null) {
                    fail(name + " failed without an injected fault: " + failure);
                }
                System.out.printf("fail-nth: %s: %d fault points, each failed once and rolled back%n", name, n - 1);
                return new Result(n - 1, passed);
            }
            String where = name + " with fault point " + n + " (" + fired.get().label() + ") failing";
            if (failure == null) {
                fail(where + " succeeded: the injected failure was swallowed");
            }
            assertEquals(fired.get().errno(), failure.errno(), where + ": " + failure.getMessage());
            HostState after = HostState.capture(bench, probeIovas);
            assertTrue(before.equals(after), () -> where + " changed the host state:\n" + before.diff(after));
        }
        throw new AssertionError(name + " passed more than " + MAX_POINTS + " fault points");
    }
}
