package dev.vplat.guest.suites;

import dev.vplat.guest.client.Batch;
import dev.vplat.guest.client.Op;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.guest.client.uapi.LeWriter;
import dev.vplat.guest.drivers.GuestPageAllocator;
import dev.vplat.vfio.kernel.Errno;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 7: the wire protocol as a client sees it (PROTOCOL.md): pipelined requests answered in
 * order, per-session fd tables, roles, errno replies that leave the session usable, user memory
 * and eventfds.
 */
@GuestSuite
@DisplayName("7 Protocol behaviour")
public class ProtocolSuite {
    private static final long SCRATCH = GuestPageAllocator.DEFAULT_BASE + 0x0800_0000L;

    private static void assertErrno(Errno expected, Runnable call) {
        VplatException e = assertThrows(VplatException.class, call::run);
        assertEquals(expected.name(), e.errnoName(), e.getMessage());
    }

    @Test
    void thousandsOfPipelinedReadsAreAnsweredInOrderWithTheRightValues(SuiteTarget target) {
        VplatClient guest = target.guest();
        int n = 4096;
        Batch fill = new Batch();
        for (int i = 0; i < 256; i++) {
            fill.writeq(SCRATCH + 8L * i, 0x5EED_0000_0000L | i);
        }
        guest.batch(fill);
        List<CompletableFuture<Long>> reads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            reads.add(guest.async().read(SCRATCH + 8L * (i % 256), 8));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(0x5EED_0000_0000L | (i % 256), reads.get(i).join());
        }
    }

    @Test
    void aBatchReturnsEveryReadInOneRoundTrip(SuiteTarget target) {
        VplatClient guest = target.guest();
        long[] values = guest.batch(new Batch().writel(SCRATCH, 0xCAFEF00D).readl(SCRATCH).readw(SCRATCH + 2));
        assertArrayEquals(new long[] {0, 0xCAFEF00DL, 0xCAFE}, values);
    }

    @Test
    void sessionsHaveTheirOwnFdTablesNumberedFromThreeLowestFree(SuiteTarget target) {
        VplatClient a = target.user("fds-a"), b = target.user("fds-b");
        assertEquals(3, a.eventfd(0));
        assertEquals(4, a.eventfd(0));
        assertEquals(3, b.eventfd(0), "another process starts its own table");
        a.close(3);
        assertEquals(3, a.eventfd(0), "the lowest free number is reused");
    }

    @Test
    void aUserSessionIsRefusedMachineAccessWithEacces(SuiteTarget target) {
        VplatClient user = target.user("role");
        assertErrno(Errno.EACCES, () -> user.readl(SCRATCH));
        assertErrno(Errno.EACCES, () -> user.clockStep(1));
        assertErrno(Errno.EACCES, user::machineInfo);
        assertEquals(Role.USER, user.role());
    }

    @Test
    void aFailedRequestLeavesTheSessionUsable(SuiteTarget target) {
        VplatClient user = target.user("errors");
        assertErrno(Errno.EBADF, () -> user.close(77));
        assertErrno(Errno.ENOENT, () -> user.open("/dev/no-such-node"));
        assertErrno(Errno.EFAULT, () -> user.uread(0x1000, 8));
        assertEquals(3, user.eventfd(0), "still serving after three errors");
    }

    @Test
    void aMemWriteWhoseDataDoesNotMatchItsSizeIsEinval(SuiteTarget target) {
        VplatClient guest = target.guest();
        guest.writel(SCRATCH + 0x200, 0x11111111);
        byte[] payload = new LeWriter(12 + 2).u64(SCRATCH + 0x200).u32(4).u8(1).u8(2).toBytes();
        CompletionException e = assertThrows(CompletionException.class,
                () -> guest.async().raw(Op.MEM_WRITE, payload).join());
        assertEquals("EINVAL", ((VplatException) e.getCause()).errnoName());
        assertEquals(0x11111111, guest.readl(SCRATCH + 0x200), "nothing was written");
    }

    @Test
    void userMemoryRoundTripsAndUnmappedAddressesFault(SuiteTarget target) {
        VplatClient user = target.user("memory");
        try (UserBuffer buf = user.mmap(3 * 4096)) {
            byte[] data = GuestRig.pattern(5000, 9);
            buf.write(100, data);
            assertArrayEquals(data, buf.read(100, 5000));
            long address = buf.address();
            user.munmap(address + 4096, 4096);
            assertErrno(Errno.EFAULT, () -> user.uread(address + 4096, 1));
            assertEquals(data[0], buf.read(100, 1)[0], "the first page stays mapped");
        }
    }

    @Test
    void anEventfdReadReturnsAndClearsItsCounterThenEagain(SuiteTarget target) {
        VplatClient user = target.user("eventfd");
        int fd = user.eventfd(5);
        assertEquals(5, user.readEventfd(fd));
        assertErrno(Errno.EAGAIN, () -> user.readEventfd(fd));
    }

    @Test
    void virtualTimeMovesOnlyWhenSteppedAndNeverBackwards(SuiteTarget target) {
        VplatClient guest = target.guest();
        long now = guest.clockStep(1);
        assertEquals(now + 1000, guest.clockStep(1000));
        assertErrno(Errno.EINVAL, () -> guest.clockSet(now - 1));
        assertEquals(now + 5000, guest.clockSet(now + 5000));
    }

    @Test
    void everySessionGetsItsOwnIdAndTheMachineName(SuiteTarget target) {
        VplatClient a = target.user("hello-a"), b = target.user("hello-b");
        assertNotEquals(a.hello().session(), b.hello().session());
        assertEquals("q35", target.guest().hello().machine());
        assertEquals("user", a.hello().role());
    }
}
