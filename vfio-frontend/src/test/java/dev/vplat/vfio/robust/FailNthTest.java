package dev.vplat.vfio.robust;

import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.kernel.UserMemory;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fail-nth switch itself, and the rollback of a pin that cannot back its pages. */
class FailNthTest {
    private final Machine machine = new Machine("t", new Trace());
    private final HostPageAllocator pool;
    private final HostKernel kernel;

    FailNthTest() {
        machine.addRam("ram", 0, 16L << 20);
        pool = new HostPageAllocator(8L << 20, 8L << 20);
        kernel = new HostKernel(machine, pool);
    }

    @Test
    void armingIsRefusedWithoutTestHooks() {
        assertThrows(IllegalStateException.class, () -> FailNth.arm(kernel, 1));
        pool.allocate();
        assertEquals(1, pool.allocatedPages(), "with nothing armed every fault point passes");
    }

    @Test
    void theNthPointFailsOnceWithItsErrnoThenEverythingPasses() {
        kernel.setTestHooks(true);
        try (FailNth f = FailNth.arm(kernel, 2)) {
            pool.allocate();
            ErrnoException e = assertThrows(ErrnoException.class, pool::allocate);
            assertEquals(Errno.ENOMEM, e.errno());
            pool.allocate();
            assertEquals(FaultPoint.PAGE_ALLOC, f.fired().orElseThrow());
            assertEquals(List.of(FaultPoint.PAGE_ALLOC, FaultPoint.PAGE_ALLOC, FaultPoint.PAGE_ALLOC), f.passed());
        }
        assertEquals(2, pool.allocatedPages(), "the failed allocation took no page");
    }

    @Test
    void anInjectorCountsOnlyItsOwnThread() throws InterruptedException {
        kernel.setTestHooks(true);
        try (FailNth f = FailNth.arm(kernel, 1)) {
            Thread other = new Thread(pool::allocate);
            other.start();
            other.join();
            assertTrue(f.passed().isEmpty(), "another thread's allocation is not this thread's fault point");
        }
    }

    @Test
    void pinOfUntouchedPagesThatCannotAllBeBackedPinsNone() {
        kernel.setTestHooks(true);
        UserMemory mem = new UserMemory(machine.system(), pool);
        long uva = mem.mmap(4 * UserMemory.PAGE_SIZE, 3, 0);
        // fault point 1 is USER_PIN itself; 2 and 3 back the first two pages; 4 fails the third
        try (FailNth f = FailNth.arm(kernel, 4)) {
            assertEquals(Errno.ENOMEM, assertThrows(ErrnoException.class,
                    () -> mem.pin(uva, 4 * UserMemory.PAGE_SIZE, true)).errno());
        }
        assertEquals(0, mem.pinnedPages());
        assertEquals(0, mem.pinCount(uva), "the page backed before the failure carries no pin");
        mem.munmap(uva, 4 * UserMemory.PAGE_SIZE);
        assertEquals(0, pool.allocatedPages(), "the faulted-in pages went with the mapping");
    }
}
