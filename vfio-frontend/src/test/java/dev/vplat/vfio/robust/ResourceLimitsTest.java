package dev.vplat.vfio.robust;

import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.kernel.UserMemory;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Single requests with absurd sizes that the fuzzer found holding the machine thread or the heap:
 * each is refused or finished at the cost of what it really touches.
 */
class ResourceLimitsTest {
    private final Machine machine = new Machine("t", new Trace());
    private final HostPageAllocator pool;
    private final UserMemory mem;

    ResourceLimitsTest() {
        machine.addRam("ram", 0, 16L << 20);
        pool = new HostPageAllocator(8L << 20, 8L << 20);
        mem = new UserMemory(machine.system(), pool);
    }

    @Test
    void munmapOfARangeLeavingTheAddressSpaceIsEinval() {
        long uva = mem.mmap(4096, 3, 0);
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> mem.munmap(uva, Long.MAX_VALUE)).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> mem.munmap(uva, -4096L >>> 1)).errno());
        assertEquals(4096, mem.mappedBytes(), "nothing was unmapped");
    }

    @Test
    void pinOfMorePagesThanThePoolHoldsIsEnomemAndAllocatesNothing() {
        long uva = mem.mmap(1L << 36, 3, 0);
        assertEquals(Errno.ENOMEM, assertThrows(ErrnoException.class, () -> mem.pin(uva, 1L << 36, true)).errno());
        assertEquals(0, pool.allocatedPages());
        assertEquals(0, mem.pinnedPages());
    }

    @Test
    @Timeout(60)
    void aGuestFillOverExabytesOfHolesSkipsThemAndStillFillsTheRamItReaches() {
        try (Platform p = Platforms.create(PlatformConfig.defaults().withMemory(64L << 20))) {
            p.access().fill(0x1000, 0x1000, (byte) 0x11);
            p.access().fill(1L << 32, 1L << 61, (byte) 0x22);
            assertEquals(0x11, p.machine().system().read(0x1FFF, 1));
            assertEquals(-1L >>> 56, p.machine().system().read(1L << 40, 1), "holes still read all-ones");
        }
    }
}
