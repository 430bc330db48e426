package dev.vplat.guest.robust;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.IoctlResult;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.AccessRw;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckMap;
import dev.vplat.vfio.uapi.IommufdTestStructs.CreateAccess;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many user processes at once over real sockets (64 by default, {@code -Dvplat.robust.sessions=N}
 * for more), each with its own mock-IOMMU device and domain (IOMMU_TEST_OP_MOCK_DOMAIN) and an
 * in-kernel access that DMAs through its IOAS, mapping, checking the mock page table, writing
 * through the IOVA and unmapping in rounds; meanwhile they contend for the real dmatest engine
 * behind the host VT-d unit, whose winner fills its own buffer. Afterwards: no mapping was lost
 * or wrong, every byte any DMA wrote is in the buffer of the session that asked for it, contention
 * was answered only with EINVAL/EBUSY/EPERM, and every counter is back.
 */
class ConcurrencyTest {
    private static final int SESSIONS = Integer.getInteger("vplat.robust.sessions", 64);
    private static final int ROUNDS = Integer.getInteger("vplat.robust.rounds", 6);
    private static final String DMATEST0 = "0000:01:00.0";
    private static final int PAGES = 4;
    private static final int LENGTH = PAGES * 4096;
    /** Contention answers: EINVAL for a cdev opened through another file (vfio_df_open), EBUSY/EPERM from ownership. */
    private static final Set<Integer> CONTENTION = Set.of(1, 16, 22);

    private static byte[] testCmd(int op, int id, Record body) {
        return Uapi.encode(new IommuTestCmd(Uapi.sizeOf(IommuTestCmd.class), op, id, 0, Uapi.encode(body), 0));
    }

    private static <R extends Record> R body(IoctlResult r, Class<R> type) {
        return Uapi.decode(IommuTestCmd.class, r.struct()).body(type);
    }

    /** Session {@code n}'s byte: whatever any DMA wrote must carry the writer's number. */
    private static byte mark(int session, int round) {
        return (byte) (1 + (session * 7 + round) % 254);
    }

    @Test
    void concurrentSessionsKeepTheirMappingsAndTheirDmaToThemselves() throws Exception {
        PlatformConfig config = new PlatformConfig("q35", List.of(), List.of(), PlatformConfig.DEFAULT_MEMORY, false, "",
                ClockMode.VIRTUAL, true, List.of());
        try (EmbeddedVplat vplat = EmbeddedVplat.start(config); VplatClient guest = vplat.connect(Role.GUEST, "monitor")) {
            guest.driverUnbind(DMATEST0);
            guest.driverBind(DMATEST0, "vfio-pci");
            String cdev = guest.machineInfo().pci(DMATEST0).orElseThrow().vfio();
            Map<String, Long> baseline = Counters.of(guest.machineInfo());
            Map<Integer, String> contention = new ConcurrentHashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int s = 0; s < SESSIONS; s++) {
                    int session = s;
                    done.add(pool.submit(() -> session(vplat, cdev, session, contention)));
                }
                int realDmas = 0;
                for (Future<Integer> f : done) {
                    realDmas += f.get();
                }
                assertTrue(realDmas > 0, "some session won the dmatest engine");
            } finally {
                pool.shutdownNow();
            }
            assertTrue(CONTENTION.containsAll(contention.keySet()), "contention answers: " + contention);
            Counters.awaitBaseline(guest, baseline, SESSIONS + " concurrent sessions closed");
            assertEquals(0, guest.machineInfo().counter("internal_errors"));
        }
    }

    /** One process's work; returns how many real-device DMAs it did. */
    private static int session(EmbeddedVplat vplat, String cdev, int session, Map<Integer, String> contention) {
        int realDmas = 0;
        try (VplatClient user = vplat.connect(Role.USER, "worker-" + session)) {
            Iommufd iommufd = user.openIommufd();
            int ioas = iommufd.ioasAlloc();
            MockDomain mock = body(user.ioctl(iommufd.fd(), IommufdIoctl.IOMMU_TEST_CMD,
                    testCmd(IommufdTestStructs.OP_MOCK_DOMAIN, ioas, new MockDomain(0, 0, 0))), MockDomain.class);
            int accessFd = body(user.ioctl(iommufd.fd(), IommufdIoctl.IOMMU_TEST_CMD,
                    testCmd(IommufdTestStructs.OP_CREATE_ACCESS, ioas, new CreateAccess(0, 0))), CreateAccess.class)
                    .outAccessFd();
            UserBuffer target = user.mmap(LENGTH);
            UserBuffer source = user.mmap(LENGTH);
            for (int round = 0; round < ROUNDS; round++) {
                long iova = 0x100_0000L + (long) ((session + round) % 16) * LENGTH;
                iommufd.mapFixed(ioas, target, iova);
                user.ioctl(iommufd.fd(), IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_MD_CHECK_MAP,
                        mock.outHwptId(), new CheckMap(iova, LENGTH, target.address())));
                byte[] data = new byte[LENGTH];
                Arrays.fill(data, mark(session, round));
                source.write(0, data);
                user.ioctl(iommufd.fd(), IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_RW,
                        accessFd, new AccessRw(iova, LENGTH, source.address(), IommufdTestStructs.MOCK_ACCESS_RW_WRITE)));
                assertArrayEquals(data, target.read(0, LENGTH), "session " + session + " round " + round);
                assertEquals(LENGTH, iommufd.unmap(ioas, iova, LENGTH), "the mapping was still whole");
                if (round % 3 == session % 3) {
                    realDmas += tryRealDevice(user, cdev, session, round, contention);
                }
            }
        }
        return realDmas;
    }

    /** Tries to take the dmatest engine; the winner fills its own buffer through it. */
    private static int tryRealDevice(VplatClient user, String cdev, int session, int round, Map<Integer, String> contention) {
        DeviceFlow flow = new DeviceFlow(user, cdev);
        try {
            flow.runTo(7, 0);
        } catch (VplatException e) {
            contention.putIfAbsent(e.errno(), e.getMessage());
            closeQuietly(flow);
            return 0;
        }
        flow.startFill((mark(session, round) & 0xFF) * 0x01010101);
        assertEquals(DeviceFlow.RESULT_DONE, flow.result());
        byte[] expected = new byte[DeviceFlow.LENGTH];
        Arrays.fill(expected, mark(session, round));
        assertArrayEquals(expected, flow.buffer.read(0, DeviceFlow.LENGTH), "the engine filled session " + session);
        closeQuietly(flow);
        return 1;
    }

    private static void closeQuietly(DeviceFlow flow) {
        if (flow.device != null) {
            flow.device.close();
        }
        if (flow.iommufd != null) {
            flow.iommufd.close();
        }
        if (flow.buffer != null) {
            flow.buffer.close();
        }
    }
}
