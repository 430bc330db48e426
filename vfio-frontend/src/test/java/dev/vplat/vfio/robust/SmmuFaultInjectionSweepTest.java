package dev.vplat.vfio.robust;

import dev.vplat.vfio.kernel.failnth.FaultPoint;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.robust.HostBench.PAGE;

/** The iommufd flows whose driver work differs on Arm: stage-1 domains of the host-owned SMMUv3 on {@code virt}. */
class SmmuFaultInjectionSweepTest extends SweepFixture {
    private static final String DMATEST0 = "0000:00:03.0";

    @Override
    HostBench newBench() {
        return new HostBench("virt");
    }

    /** The stage-1 context-descriptor table of the stream, which SmmuV3HostDriver keeps once written. */
    @Override
    long pagesKeptByDrivers() {
        return 1;
    }

    @Test
    void ioasMapIntoAnAttachedSmmuDomainRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        bind(dev);
        int ioas = ioasAlloc();
        attach(dev, ioas);
        long buf = user.buffer(16 * PAGE);

        FailNthSweep.Result r = FailNthSweep.run(bench, "IOAS_MAP (SMMUv3)", () -> map(ioas, buf, 16 * PAGE, IOVA), IOVA);

        assertCovers(r, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP, FaultPoint.PAGE_ALLOC);
    }

    @Test
    void attachToAnIoasWithMappingsOnTheSmmuRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        bind(dev);
        int ioas = ioasAlloc();
        map(ioas, user.buffer(8 * PAGE), 8 * PAGE, IOVA);

        FailNthSweep.Result r = FailNthSweep.run(bench, "ATTACH_IOMMUFD_PT (SMMUv3)", () -> attach(dev, ioas), IOVA);

        assertCovers(r, FaultPoint.DOMAIN_ALLOC, FaultPoint.DOMAIN_MAP, FaultPoint.ATTACH_DEV);
    }
}
