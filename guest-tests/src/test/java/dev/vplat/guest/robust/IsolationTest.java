package dev.vplat.guest.robust;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nobody gets where they do not belong: a user session reaches no physical memory, MMIO, port or
 * machine control; sessions share no fds, object ids, user memory or eventfd signals; a guest
 * cannot write the host's IOMMU registers or page pool, even with one big fill across them; and a
 * device can DMA only where its IOAS maps.
 */
class IsolationTest {
    private static final int EACCES = 13, EBADF = 9, EFAULT = 14, ENOENT = 2;
    private static final String DMATEST0 = "0000:01:00.0";
    /** dmar1, the host-owned VT-d unit of the default q35 machine. */
    private static final long HOST_UNIT = 0xFED9_1000L;

    private static EmbeddedVplat vplat;
    private static VplatClient guest;

    @BeforeAll
    static void start() {
        vplat = EmbeddedVplat.start(PlatformConfig.defaults());
        guest = vplat.connect(Role.GUEST, "isolation-guest");
    }

    @AfterAll
    static void stop() {
        guest.close();
        vplat.close();
    }

    private static int errno(Executable call) {
        return assertThrows(VplatException.class, call).errno();
    }

    @Test
    void aUserSessionReachesNoMachineOp() {
        try (VplatClient user = vplat.connect(Role.USER, "no-machine")) {
            List<Executable> calls = List.of(() -> user.memRead(0x1000, 8), () -> user.memWrite(0x1000, new byte[8]),
                    () -> user.memFill(0x1000, 16, 1), () -> user.readl(0xB000_0000L), () -> user.writel(HOST_UNIT, 0),
                    () -> user.inl(0xCFC), () -> user.outl(0xCF8, 0x8000_0000), () -> user.clockStep(1),
                    () -> user.machineInfo(), () -> user.machineReset(), () -> user.irqWatch(true),
                    () -> user.driverUnbind(DMATEST0), () -> user.driverBind(DMATEST0, "vfio-pci"));
            for (Executable c : calls) {
                assertEquals(EACCES, errno(c), "guest-role ops answer EACCES to a user process");
            }
        }
    }

    @Test
    void aGuestFillAcrossTheHostUnitsRegisterWindowIsRefusedAndChangesNothing() {
        long rtaddr = guest.readq(HOST_UNIT + 0x20);
        int gsts = guest.readl(HOST_UNIT + 0x1C);

        assertEquals(EACCES, errno(() -> guest.memFill(HOST_UNIT - 0x1000, 0x3000, 0)),
                "a fill from below the window to above it still reaches it");
        assertEquals(EACCES, errno(() -> guest.memWrite(HOST_UNIT - 4, new byte[4096 + 8])));

        assertEquals(rtaddr, guest.readq(HOST_UNIT + 0x20));
        assertEquals(gsts, guest.readl(HOST_UNIT + 0x1C));
    }

    @Test
    void aGuestCanReadButNotWriteTheHostPagePool() {
        MachineInfo.MemoryRange pool = guest.machineInfo().memory().stream()
                .filter(m -> m.kind().equals("host-reserved")).findFirst().orElseThrow();
        byte[] before = guest.memRead(pool.base(), 64);

        assertEquals(EACCES, errno(() -> guest.memWrite(pool.base(), new byte[64])));
        assertEquals(EACCES, errno(() -> guest.memFill(0, pool.base() + 1, 0x5A)), "a fill reaching into the pool");
        assertEquals(EACCES, errno(() -> guest.writeq(pool.base() + pool.size() - 8, -1L)));
        assertArrayEquals(before, guest.memRead(pool.base(), 64));
    }

    @Test
    void aMachineResetLeavesTheHostOwnedUnitTranslatingAndResetsTheGuestOwnedOne() {
        long guestUnit = 0xFED9_0000L;
        int hostGsts = guest.readl(HOST_UNIT + 0x1C);
        guest.writel(guestUnit + 0x3C, 0x55);                      // FEDATA of the guest-owned unit
        assertEquals(0x55, guest.readl(guestUnit + 0x3C));

        guest.machineReset();

        assertEquals(hostGsts, guest.readl(HOST_UNIT + 0x1C), "TES and QIES stay: the host driver owns the unit");
        assertEquals(0, guest.readl(guestUnit + 0x3C), "the guest's unit is back at reset");
        try (VplatClient user = vplat.connect(Role.USER, "after-reset")) {
            guest.driverUnbind(DMATEST0);
            guest.driverBind(DMATEST0, "vfio-pci");
            new DeviceFlow(user, guest.machineInfo().pci(DMATEST0).orElseThrow().vfio()).runTo(6, 0);
        } finally {
            guest.driverUnbind(DMATEST0);
            guest.driverBind(DMATEST0, "dmatest");
        }
    }

    @Test
    void fdsIdsAndUserMemoryArePerSession() {
        try (VplatClient a = vplat.connect(Role.USER, "a"); VplatClient b = vplat.connect(Role.USER, "b")) {
            Iommufd fdA = a.openIommufd();
            int ioasA = fdA.ioasAlloc();
            UserBuffer bufA = a.mmap(4096);
            bufA.write(0, new byte[] {42});

            assertEquals(EBADF, errno(() -> b.ioctl(fdA.fd(), IommufdIoctl.IOMMU_IOAS_ALLOC, new byte[12])),
                    "a's fd number means nothing in b");
            Iommufd fdB = b.openIommufd();
            assertEquals(ENOENT, errno(() -> fdB.destroy(ioasA)), "ids live in their own iommufd");
            assertEquals(EFAULT, errno(() -> b.uread(bufA.address(), 1)), "b's address space does not hold a's mapping");
            UserBuffer bufB = b.mmap(4096);
            assertEquals(bufA.address(), bufB.address(), "the same user address in another process ...");
            assertEquals(0, bufB.readb(0), "... is other memory");
            assertEquals(42, bufA.readb(0));
        }
    }

    @Test
    void anEventfdSignalsOnlyItsOwnSession() {
        try (VplatClient a = vplat.connect(Role.USER, "a"); VplatClient b = vplat.connect(Role.USER, "b")) {
            int efd = a.eventfd(0);
            a.pwrite(efd, 0, new byte[] {1, 0, 0, 0, 0, 0, 0, 0});
            a.awaitEventfd(efd, Duration.ofSeconds(5));

            assertEquals(EBADF, errno(() -> b.readEventfd(efd)), "b cannot read a's eventfd by its number");
            assertEquals(1, a.readEventfd(efd), "the signal is still a's to read");
        }
    }

    @Test
    void aDeviceDmasOnlyWhereItsIoasMaps() {
        guest.driverUnbind(DMATEST0);
        guest.driverBind(DMATEST0, "vfio-pci");
        try (VplatClient user = vplat.connect(Role.USER, "dma")) {
            DeviceFlow flow = new DeviceFlow(user, guest.machineInfo().pci(DMATEST0).orElseThrow().vfio());
            flow.runTo(7, 0);
            byte[] low = guest.memRead(DeviceFlow.IOVA + DeviceFlow.LENGTH, 4096);
            UserBuffer other = user.mmap(4096);
            other.write(0, new byte[] {7});

            flow.device.barWriteq(0, DeviceFlow.REG_DST, DeviceFlow.IOVA + DeviceFlow.LENGTH);
            flow.device.barWritel(0, DeviceFlow.REG_LEN, 4096);
            flow.device.barWritel(0, DeviceFlow.REG_OP, DeviceFlow.OP_FILL);
            flow.device.barWritel(0, DeviceFlow.REG_PATTERN, 0xFFFFFFFF);
            flow.device.barWritel(0, DeviceFlow.REG_DOORBELL, 1);

            int result = flow.result();
            assertTrue(result == 3 || result == 4, "aborted (TRANSLATION_FAULT or PERMISSION_FAULT) just past the"
                    + " mapped buffer, not " + result);
            assertArrayEquals(low, guest.memRead(DeviceFlow.IOVA + DeviceFlow.LENGTH, 4096),
                    "the IOVA taken as a physical address is untouched");
            assertEquals(7, other.readb(0), "unmapped user memory of the same process is untouched");
        } finally {
            guest.driverUnbind(DMATEST0);
            guest.driverBind(DMATEST0, "dmatest");
        }
    }
}
