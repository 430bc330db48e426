package dev.vplat.vfio.robust;

import dev.vplat.vfio.kernel.failnth.FaultPoint;
import dev.vplat.vfio.robust.HostBench.Proc;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import org.junit.jupiter.api.AfterEach;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the fail-nth sweeps share: a platform with test hooks, one unprivileged process with
 * /dev/iommu open, the iommufd and VFIO calls of the flows, and the leak check after the process
 * exits. Subclasses hold the flows of one machine.
 */
abstract class SweepFixture {
    private static final int RW = IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_WRITEABLE;
    static final int FIXED_RW = RW | IommufdIoctl.IOAS_MAP_FIXED_IOVA;
    static final long IOVA = 0x10_0000L;

    final HostBench bench = newBench();
    private final long poolBaseline = bench.kernel.pages().allocatedPages();
    final Proc user = bench.spawn(false);
    final int iommufd = user.open("/dev/iommu");

    /** Whatever the failed runs left in page tables goes with its domain: after exit the pool is as at boot. */
    @AfterEach
    void exitLeavesNothingBehind() {
        user.exit();
        Map<String, Long> counters = bench.kernel.counters();
        assertEquals(0, counters.get("pinned_pages"), "process exit drops every pin");
        assertEquals(0, counters.get("iommufd_objects"));
        assertEquals(0, counters.get("dma_owner_claims"));
        assertEquals(poolBaseline + pagesKeptByDrivers(), counters.get("host_pool_pages"),
                "host pool pages after every process exited");
        bench.close();
    }

    /** The machine the flows run on. */
    abstract HostBench newBench();

    /** Pool pages a host driver keeps by design once a device has been attached (0: none). */
    long pagesKeptByDrivers() {
        return 0;
    }

    int ioasAlloc() {
        return user.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, new IommuIoasAlloc(12, 0, 0)).outIoasId();
    }

    long map(int ioas, long uva, long length, long iova) {
        return user.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, new IommuIoasMap(40, FIXED_RW, ioas, 0, uva, length, iova))
                .iova();
    }

    int openDevice(String bdf) {
        return user.open(bench.toVfio(bdf));
    }

    int bind(int device) {
        return user.ioctl(device, VfioIoctl.DEVICE_BIND_IOMMUFD,
                new VfioDeviceBindIommufd(Uapi.sizeOf(VfioDeviceBindIommufd.class), 0, iommufd, 0, 0)).outDevid();
    }

    int attach(int device, int ptId) {
        return user.ioctl(device, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, new VfioDeviceAttachIommufdPt(16, 0, ptId, 0)).ptId();
    }

    static void assertCovers(FailNthSweep.Result r, FaultPoint... points) {
        for (FaultPoint p : points) {
            assertTrue(r.passed().contains(p), "the call passes " + p + " (passed: " + r.passed() + ")");
        }
    }

}
