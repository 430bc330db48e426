package dev.vplat.guest.junit;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.vfio.kernel.Errno;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs small annotated classes through the JUnit launcher and checks what the extension did
 * around them: parameters injected, sessions and servers cleaned up, failures annotated.
 */
class VplatExtensionTest {
    /** The sample classes run only inside {@link #run}, not when a build tool finds them. */
    static final String SAMPLES = "vplat.extension-samples";

    private static synchronized TestExecutionSummary run(Class<?> c) {
        LauncherDiscoveryRequest req = request().selectors(selectClass(c)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        System.setProperty(SAMPLES, "run");
        try {
            launcher.execute(req, listener);
        } finally {
            System.clearProperty(SAMPLES);
        }
        return listener.getSummary();
    }

    /** Uses every kind of parameter; records what the machine looks like once its sessions are gone. */
    @EnabledIfSystemProperty(named = SAMPLES, matches = "run")
    @VplatTest(memory = "64M")
    static class Driver {
        static volatile Map<String, Long> countersAfterTests;
        static volatile String address;

        @Test
        void sessionsOfTheSameRoleAndNameAreShared(VplatClient guest, @Client VplatClient sameGuest,
                                                  @Client(role = Role.USER) VplatClient user, EmbeddedVplat vplat) {
            address = vplat.address();
            assertSame(guest, sameGuest);
            assertEquals("user", user.hello().role());
            assertEquals("guest", guest.hello().role());
        }

        @Test
        void userMemoryBelongsToTheDefaultUserSession(@UserMemory(bytes = 8192) UserBuffer buf,
                                                      @Client(role = Role.USER) VplatClient user,
                                                      @Client(role = Role.USER, name = "other") VplatClient other) {
            assertEquals(8192, buf.length());
            buf.writel(0x1000, 0x1234);
            assertEquals(0x1234, (int) dev.vplat.guest.client.uapi.LeReader.value(user.uread(buf.at(0x1000), 4)));
            VplatException e = assertThrows(VplatException.class, () -> other.uread(buf.at(0x1000), 4));
            assertTrue(e.is(Errno.EFAULT), "another session is another process: " + e.getMessage());
        }

        @Test
        void leavesFilesOpenForTheExtensionToClose(@Client(role = Role.USER) VplatClient user) {
            user.eventfd(1);
            user.eventfd(2);
            user.mmap(0x10000);
        }

        @AfterAll
        static void observe(VplatClient guest) {
            countersAfterTests = guest.machineInfo().counters();
        }
    }

    @Test
    void injectsParametersAndReleasesEverySessionAfterEachTestAndTheServerAfterTheClass() {
        TestExecutionSummary s = run(Driver.class);
        assertEquals(List.of(), failures(s));
        assertEquals(3, s.getTestsSucceededCount());
        assertEquals(1, Driver.countersAfterTests.get("sessions"), "only the @AfterAll observer is left");
        assertEquals(0, Driver.countersAfterTests.get("fds"));
        assertEquals(0, Driver.countersAfterTests.get("pinned_pages"));
        assertThrows(UncheckedIOException.class, () -> VplatClient.connect(Driver.address, Role.GUEST),
                "the server is stopped after the class");
    }

    /** Fails after touching MMIO, with the MMIO trace on. */
    @EnabledIfSystemProperty(named = SAMPLES, matches = "run")
    @VplatTest(memory = "16M", trace = "mmio")
    static class Failing {
        @Test
        void driverSeesTheWrongValue(VplatClient guest) {
            guest.writel(0xfee00000L, 0x31);
            fail("status register never became ready");
        }
    }

    @Test
    void failureMessageCarriesTheMachineTraceTail() {
        TestExecutionSummary s = run(Failing.class);
        assertEquals(1, s.getTestsFailedCount());
        String message = s.getFailures().get(0).getException().getMessage();
        assertTrue(message.startsWith("status register never became ready"), message);
        String tail = message.substring(message.indexOf(VplatExtension.TraceAppended.MARKER));
        assertFalse(tail.contains("recorded nothing"), message);
        assertTrue(tail.lines().anyMatch(l -> l.contains("mmio msi-window") && l.contains("0x31")), message);
    }

    /** A fresh machine for each test, over a UNIX socket. */
    @EnabledIfSystemProperty(named = SAMPLES, matches = "run")
    @VplatTest(memory = "16M", lifecycle = VplatTest.Lifecycle.PER_METHOD, transport = VplatTest.Transport.UNIX)
    static class PerMethod {
        static final List<String> addresses = new ArrayList<>();

        @Test
        void first(EmbeddedVplat vplat, VplatClient guest) {
            addresses.add(vplat.address());
            guest.writel(0x1000, 7);
        }

        @Test
        void second(EmbeddedVplat vplat, VplatClient guest) {
            addresses.add(vplat.address());
            assertEquals(0, guest.readl(0x1000), "RAM of a new machine starts zeroed");
        }
    }

    @Test
    void perMethodLifecycleBuildsANewMachineForEachTest() {
        PerMethod.addresses.clear();
        TestExecutionSummary s = run(PerMethod.class);
        assertEquals(List.of(), failures(s));
        assertEquals(2, PerMethod.addresses.size());
        assertTrue(PerMethod.addresses.get(0).startsWith("unix:"));
        assertNotEquals(PerMethod.addresses.get(0), PerMethod.addresses.get(1));
    }

    /** Sessions and devices of the in-VM transport: no port, no socket file. */
    @EnabledIfSystemProperty(named = SAMPLES, matches = "run")
    @VplatTest(memory = "16M", transport = VplatTest.Transport.EMBEDDED)
    static class InVm {
        static volatile String address;
        static volatile long sessionsSeen;

        @Test
        void guestAndUserSessionsWorkWithoutASocket(EmbeddedVplat vplat, VplatClient guest,
                                                    @Client(role = Role.USER) VplatClient user) {
            address = vplat.address();
            guest.writel(0x1000, 0xCAFE);
            assertEquals(0xCAFE, guest.readl(0x1000));
            assertEquals("user", user.hello().role());
            sessionsSeen = guest.machineInfo().counter("sessions");
        }
    }

    @Test
    void embeddedTransportServesTheSameApiInProcess() {
        TestExecutionSummary s = run(InVm.class);
        assertEquals(List.of(), failures(s));
        assertTrue(InVm.address.startsWith("in-vm:"), InVm.address);
        assertEquals(2, InVm.sessionsSeen);
    }

    private static List<String> failures(TestExecutionSummary s) {
        List<String> out = new ArrayList<>();
        s.getFailures().forEach(f -> out.add(f.getTestIdentifier().getDisplayName() + ": " + f.getException()));
        return out;
    }
}
