package dev.vplat.vfio.kernel.failnth;

import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fault injection in the style of Linux's {@code /proc/self/task/<tid>/fail-nth}, which the
 * kernel's iommufd selftest ({@code tools/testing/selftests/iommu/iommufd_fail_nth.c}) uses to
 * fail every allocation of an ioctl in turn: armed with N, the N-th {@link FaultPoint} passed on
 * the arming thread from then on throws its errno, once, and the injector disarms itself.
 *
 * <p>The injector is per thread, as fail-nth is per task: every request runs on the machine
 * thread, so arming there affects exactly the calls that follow on it and nothing another test
 * thread does. Arming needs a kernel with test hooks on ({@code --test-hooks}); without an
 * armed injector a fault point costs one thread-local read.
 *
 * <pre>{@code
 * try (FailNth f = FailNth.arm(kernel, n)) {
 *     ioctl(...);                 // fails with ENOMEM at the n-th fault point, if it has n
 *     fired = f.fired().isPresent();
 * }
 * }</pre>
 */
public final class FailNth implements AutoCloseable {
    private static final ThreadLocal<FailNth> CURRENT = new ThreadLocal<>();

    private long countdown;
    private final List<FaultPoint> passed = new ArrayList<>();
    private FaultPoint fired;

    private FailNth(long nth) {
        this.countdown = nth;
    }

    /**
     * Arms the calling thread: the {@code nth} fault point from now (1 = the next one) fails.
     *
     * @throws IllegalStateException when the kernel's test hooks are off, or the thread is armed already
     */
    public static FailNth arm(HostKernel kernel, long nth) {
        if (!kernel.testHooks()) {
            throw new IllegalStateException("fault injection needs a kernel with test hooks on");
        }
        if (nth < 1) {
            throw new IllegalArgumentException("fail-nth counts from 1, not " + nth);
        }
        if (CURRENT.get() != null) {
            throw new IllegalStateException("this thread already has an armed fault injector");
        }
        FailNth f = new FailNth(nth);
        CURRENT.set(f);
        return f;
    }

    /**
     * A fault point: counts it and, when it is the armed one, fails with the point's errno. Host
     * code calls this just before the operation it names, where nothing has been changed yet.
     */
    public static void point(FaultPoint p) {
        FailNth f = CURRENT.get();
        if (f != null) {
            f.pass(p);
        }
    }

    private void pass(FaultPoint p) {
        passed.add(p);
        if (fired == null && --countdown == 0) {
            fired = p;
            throw new ErrnoException(p.errno(), "fail-nth: injected failure of " + p.label() + " (fault point "
                    + passed.size() + ")");
        }
    }

    /** The point that was made to fail, if the armed one was reached. */
    public Optional<FaultPoint> fired() {
        return Optional.ofNullable(fired);
    }

    /** Every fault point passed since arming, in order, the failed one included. */
    public List<FaultPoint> passed() {
        return List.copyOf(passed);
    }

    /** Disarms the thread. */
    @Override
    public void close() {
        if (CURRENT.get() == this) {
            CURRENT.remove();
        }
    }
}
