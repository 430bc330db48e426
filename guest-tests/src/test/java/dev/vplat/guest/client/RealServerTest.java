package dev.vplat.guest.client;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The client against the real protocol server, in-process on a loopback port. */
class RealServerTest {
    private static EmbeddedVplat vplat;

    @BeforeAll
    static void start() {
        vplat = EmbeddedVplat.start(PlatformConfig.defaults().withMemory(64L << 20));
    }

    @AfterAll
    static void stop() {
        vplat.close();
    }

    @Test
    void thousandsOfPipelinedRequestsCompleteWithTheirOwnReplies() throws Exception {
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            AsyncClient a = guest.async();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                writes.add(a.write(0x10000 + 8L * i, 8, 0x1111_0000_0000L + i));
            }
            List<CompletableFuture<Long>> reads = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                reads.add(a.read(0x10000 + 8L * i, 8));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 2000; i++) {
                assertEquals(0x1111_0000_0000L + i, reads.get(i).get(30, TimeUnit.SECONDS));
            }
            assertEquals(0, guest.inFlight());
        }
    }

    @Test
    void helloReportsTheGrantedRoleAndMachine() {
        try (VplatClient user = vplat.connect(Role.USER)) {
            assertEquals("user", user.hello().role());
            assertEquals("q35", user.hello().machine());
            assertTrue(user.hello().session() > 0);
        }
    }

    @Test
    void guestOpFromAUserSessionFailsWithEacces() {
        try (VplatClient user = vplat.connect(Role.USER)) {
            VplatException e = assertThrows(VplatException.class, () -> user.readl(0x1000));
            assertTrue(e.is(Errno.EACCES), e.getMessage());
            assertTrue(user.isOpen(), "a failed request does not close the session");
        }
    }

    @Test
    void userMemoryRoundTripsThroughMmapUwriteUread() {
        try (VplatClient user = vplat.connect(Role.USER); UserBuffer buf = user.mmap(0x3000)) {
            buf.writeq(0x1ff8, 0x0123_4567_89ab_cdefL);
            buf.fill(0x2000, 16, 0xa5);
            assertEquals(0x0123_4567_89ab_cdefL, buf.readq(0x1ff8));
            assertEquals(0xa5a5_a5a5, buf.readl(0x200c));
            assertEquals(0, buf.address() & 0xfff);
        }
    }

    @Test
    void batchRunsMemoryAccessesInOrderInOneRoundTrip() {
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            long[] v = guest.batch(new Batch().writel(0x2000, 0xdead_beefL).readl(0x2000).readw(0x2002));
            assertArrayEquals(new long[]{0, 0xdead_beefL, 0xdeadL}, v);
        }
    }

    @Test
    void clockStepAdvancesVirtualTime() {
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            long before = guest.clockStep(0);
            assertEquals(before + 1000, guest.clockStep(1000));
        }
    }

    @Test
    void eventfdCounterReadsBackAndThenIsEmpty() {
        try (VplatClient user = vplat.connect(Role.USER)) {
            int fd = user.eventfd(5);
            assertEquals(3, fd, "fds are numbered from 3, lowest free first");
            assertEquals(5, user.readEventfd(fd));
            VplatException e = assertThrows(VplatException.class, () -> user.readEventfd(fd));
            assertTrue(e.is(Errno.EAGAIN));
            user.close(fd);
        }
    }

    @Test
    void closingASessionReleasesItsFilesAndMemory() {
        try (VplatClient user = vplat.connect(Role.USER)) {
            user.eventfd(0);
            user.mmap(0x10000);
        }
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            MachineInfo info = guest.machineInfo();
            assertEquals(1, info.counter("sessions"), "the server ends a session before it answers its BYE");
            assertEquals(0, info.counter("fds"));
            assertEquals(0, info.counter("pinned_pages"));
        }
    }

    @Test
    void sessionScopeRunsUndoNewestFirstAfterUsersExitAndBeforeGuestsExit() {
        SessionScope scope = new SessionScope();
        VplatClient guest = scope.add(vplat.connect(Role.GUEST));
        VplatClient user = scope.add(vplat.connect(Role.USER));
        List<String> seen = new ArrayList<>();
        scope.afterUsersExit(() -> seen.add("first: user open " + user.isOpen() + ", guest open " + guest.isOpen()));
        scope.afterUsersExit(() -> seen.add("second"));

        scope.close();

        assertEquals(List.of("second", "first: user open false, guest open true"), seen);
        assertFalse(guest.isOpen());
    }

    @Test
    void sessionScopeWithAFailingUndoStillEndsEverySessionAndRethrows() {
        SessionScope scope = new SessionScope();
        VplatClient guest = scope.add(vplat.connect(Role.GUEST));
        IllegalStateException boom = new IllegalStateException("rebind failed");
        scope.afterUsersExit(() -> {
            throw boom;
        });

        assertSame(boom, assertThrows(IllegalStateException.class, scope::close));
        assertFalse(guest.isOpen());
    }
}
