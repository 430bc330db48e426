package dev.vplat.guest.robust;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioContainer;
import dev.vplat.guest.client.VfioGroup;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Clients killed (socket shut, no BYE) at every step of the multi-step flows — while a request
 * of the next step is in flight, with maps and pins, with MSI-X wired, with a DMA still running,
 * owning a legacy group — leave nothing behind: the counters come back, the device can be bound
 * again at once, and a DMA that was running when its process died never lands in the memory
 * of the device's next owner.
 */
class VanishingClientTest {
    private static final String FAST = "0000:01:00.0";
    /** A dmatest whose operations take 1 ms of virtual time: a DMA stays in flight until the clock moves. */
    private static final String SLOW = "0000:00:08.0";

    private static EmbeddedVplat vplat;
    private static VplatClient guest;
    private static Map<String, Long> baseline;

    @BeforeAll
    static void start() {
        vplat = EmbeddedVplat.start(new PlatformConfig("q35", List.of("dmatest,id=slow,addr=08.0,delay_ns=1000000"),
                List.of(), PlatformConfig.DEFAULT_MEMORY, false, "", ClockMode.VIRTUAL, false, List.of()));
        guest = vplat.connect(Role.GUEST, "vanish-monitor");
        for (String bdf : List.of(FAST, SLOW)) {
            guest.driverUnbind(bdf);
            guest.driverBind(bdf, "vfio-pci");
        }
        baseline = Counters.of(guest.machineInfo());
    }

    @AfterAll
    static void stop() {
        guest.close();
        vplat.close();
    }

    private static String cdev(String bdf) {
        return guest.machineInfo().pci(bdf).orElseThrow().vfio();
    }

    /** A fresh process binds the device and its DMA fills its own buffer: the device was claimable again. */
    private static void freshOwnerDmasIntoItsOwnBuffer(String bdf, int pattern) {
        try (VplatClient user = vplat.connect(Role.USER, "next-owner")) {
            DeviceFlow flow = new DeviceFlow(user, cdev(bdf));
            flow.runTo(DeviceFlow.STEPS.size(), pattern);
            guest.clockStep(2_000_000);
            assertEquals(DeviceFlow.RESULT_DONE, flow.result());
            assertArrayEquals(filled(pattern), flow.buffer.read(0, DeviceFlow.LENGTH));
        }
        Counters.awaitBaseline(guest, baseline, "the next owner closed");
    }

    private static byte[] filled(int pattern) {
        byte[] b = new byte[DeviceFlow.LENGTH];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (pattern >>> (8 * (i % 4)));
        }
        return b;
    }

    @ParameterizedTest(name = "killed after {0} step(s)")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
    void aProcessKilledAfterAnyStepLeavesTheDeviceClaimable(int steps) {
        Killable a = Killable.connect(vplat.address(), Role.USER, "killed");
        new DeviceFlow(a.client(), cdev(FAST)).runTo(steps, 0x5A5A5A5A);
        a.kill();

        Counters.awaitBaseline(guest, baseline, "a process killed after " + steps + " step(s)");
        freshOwnerDmasIntoItsOwnBuffer(FAST, 0x0C0FFEE0 + steps);
    }

    @ParameterizedTest(name = "killed with step {0} in flight")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8})
    void aProcessKilledWithARequestInFlightLeavesTheDeviceClaimable(int step) {
        Killable a = Killable.connect(vplat.address(), Role.USER, "killed-mid-call");
        DeviceFlow flow = new DeviceFlow(a.client(), cdev(FAST));
        flow.runTo(step, 0x3C3C3C3C);
        CompletableFuture<Void> inFlight = CompletableFuture.runAsync(() -> flow.step(step, 0x3C3C3C3C));
        a.kill();
        inFlight.handle((v, e) -> null).join();

        Counters.awaitBaseline(guest, baseline, "a process killed during " + DeviceFlow.STEPS.get(step));
        freshOwnerDmasIntoItsOwnBuffer(FAST, 0x77000000 + step);
    }

    @Test
    void aDmaInFlightWhenItsProcessDiesNeverLandsInTheNextOwnersMemory() {
        Killable a = Killable.connect(vplat.address(), Role.USER, "dies-mid-dma");
        DeviceFlow dying = new DeviceFlow(a.client(), cdev(SLOW));
        dying.runTo(DeviceFlow.STEPS.size(), 0xDEADBEEF);
        assertEquals(1, dying.result(), "BUSY: the FILL waits for virtual time");
        a.kill();
        Counters.awaitBaseline(guest, baseline, "a process killed with a DMA in flight");

        try (VplatClient b = vplat.connect(Role.USER, "next-owner")) {
            DeviceFlow next = new DeviceFlow(b, cdev(SLOW));
            next.runTo(DeviceFlow.STEPS.size() - 1, 0);
            guest.clockStep(5_000_000);
            assertArrayEquals(new byte[DeviceFlow.LENGTH], next.buffer.read(0, DeviceFlow.LENGTH),
                    "the dead process's FILL (same IOVA) must not reach the new owner's pages");
            next.startFill(0x600DF00D);
            guest.clockStep(5_000_000);
            assertEquals(DeviceFlow.RESULT_DONE, next.result());
            assertArrayEquals(filled(0x600DF00D), next.buffer.read(0, DeviceFlow.LENGTH));
        }
        Counters.awaitBaseline(guest, baseline, "the next owner closed");
    }

    @Test
    void aProcessKilledOwningALegacyGroupLeavesTheGroupClaimable() {
        MachineInfo.Group group = guest.machineInfo().groups().stream().filter(g -> g.devices().contains(FAST))
                .findFirst().orElseThrow();
        Killable a = Killable.connect(vplat.address(), Role.USER, "group-owner");
        VfioGroup g = a.client().openVfioGroup(group.id());
        VfioContainer container = a.client().openVfioContainer();
        g.setContainer(container);
        container.setIommu(VfioIoctl.TYPE1V2_IOMMU);
        UserBuffer buf = a.client().mmap(4 * 4096);
        container.mapDma(buf, 0x10_0000L);
        g.deviceFd(FAST);
        assertEquals("user", guest.machineInfo().groups().stream().filter(x -> x.id() == group.id()).findFirst()
                .orElseThrow().owner());
        a.kill();

        Counters.awaitBaseline(guest, baseline, "the group owner was killed");
        try (VplatClient b = vplat.connect(Role.USER, "next-group-owner")) {
            VfioGroup again = b.openVfioGroup(group.id());
            again.setContainer(b.openVfioContainer());
        }
        Counters.awaitBaseline(guest, baseline, "the next group owner closed");
        freshOwnerDmasIntoItsOwnBuffer(FAST, 0x12345678);
    }

    @Test
    void aProcessKilledWithHundredsOfPipelinedRequestsUnansweredLeavesNothing() {
        Killable a = Killable.connect(vplat.address(), Role.USER, "pipeliner");
        DeviceFlow flow = new DeviceFlow(a.client(), cdev(FAST));
        flow.runTo(6, 0);
        for (int i = 0; i < 300; i++) {
            a.client().async().mmap(8192, 3, 0).thenCompose(addr -> a.client().async().uread(addr, 64));
            a.client().async().ioctl(flow.iommufd.fd(), dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_ALLOC,
                    new byte[12]);
        }
        a.kill();

        Counters.awaitBaseline(guest, baseline, "a pipelining process was killed");
        freshOwnerDmasIntoItsOwnBuffer(FAST, 0x0BADCAFE);
    }
}
