package dev.vplat.guest.client;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client API over the server's in-VM channel: no socket, the same protocol. */
class InVmTransportTest {
    private static EmbeddedVplat vplat;

    @BeforeAll
    static void start() {
        vplat = EmbeddedVplat.start(PlatformConfig.defaults().withMemory(64L << 20), EmbeddedVplat.Listen.IN_VM, p -> { });
    }

    @AfterAll
    static void stop() {
        vplat.close();
    }

    @Test
    void aGuestSessionReadsBackWhatItWroteWithoutASocket() {
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            assertTrue(guest.toString().contains("in-vm:"), guest.toString());
            guest.writel(0x1000, 0x12345678);
            assertEquals(0x12345678, guest.readl(0x1000));
            assertEquals("guest", guest.hello().role());
        }
    }

    @Test
    void moreRequestsThanTheWindowArePipelinedAndAnsweredInOrder() throws Exception {
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            AsyncClient a = guest.async();
            int n = 3 * InVmTransport.WINDOW;
            List<CompletableFuture<Long>> reads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                a.write(0x20000 + 8L * i, 8, 0x5555_0000_0000L + i);
                reads.add(a.read(0x20000 + 8L * i, 8));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(0x5555_0000_0000L + i, reads.get(i).get(30, TimeUnit.SECONDS));
            }
            assertEquals(0, guest.inFlight());
        }
    }

    @Test
    void eventsArriveBeforeTheReplyOfTheWriteThatRaisedThem() {
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            guest.irqWatch(true);
            guest.writel(0xFEE0_0000L, 0x41);
            Event.Msi msi = guest.awaitMsi(Duration.ZERO);
            assertEquals(0x41, msi.data());
        }
    }

    @Test
    void errorRepliesAndRolesFollowTheProtocol() {
        try (VplatClient user = vplat.connect(Role.USER)) {
            VplatException e = assertThrows(VplatException.class, () -> user.readl(0x1000));
            assertTrue(e.is(Errno.EACCES), e.getMessage());
        }
    }

    @Test
    void closingASessionEndsItsProcessBeforeTheClientReturns() {
        VplatClient user = vplat.connect(Role.USER);
        user.eventfd(0);
        user.close();
        assertFalse(user.isOpen());
        try (VplatClient guest = vplat.connect(Role.GUEST)) {
            MachineInfo info = guest.machineInfo();
            assertEquals(1, info.counter("sessions"));
            assertEquals(0, info.counter("fds"));
        }
    }
}
