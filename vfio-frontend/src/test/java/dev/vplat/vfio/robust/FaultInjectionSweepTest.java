package dev.vplat.vfio.robust;

import dev.vplat.vfio.hostiommu.IommufdMockBus;
import dev.vplat.vfio.kernel.failnth.FaultPoint;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasCopy;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaMap;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.vplat.vfio.robust.HostBench.DMATEST0;
import static dev.vplat.vfio.robust.HostBench.EDU1;
import static dev.vplat.vfio.robust.HostBench.MF0;
import static dev.vplat.vfio.robust.HostBench.MF1;
import static dev.vplat.vfio.robust.HostBench.PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The conformance flows under fail-nth (the idea of the kernel's iommufd_fail_nth selftest): each
 * call is run with its 1st, 2nd, … fault point failing — host pool pages, user pins, domain
 * allocation, device attach, page-table writes — and every failed run must leave the host
 * exactly as before (objects, areas, pins, fds, group ownership, hardware attachment and
 * translations, counters), until the run that passes every point succeeds.
 */
class FaultInjectionSweepTest extends SweepFixture {
    @Override
    HostBench newBench() {
        return new HostBench();
    }

    @Test
    void ioasMapIntoAnAttachedVtdDomainRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        bind(dev);
        int ioas = ioasAlloc();
        attach(dev, ioas);
        long buf = user.buffer(16 * PAGE);

        FailNthSweep.Result r = FailNthSweep.run(bench, "IOAS_MAP", () -> map(ioas, buf, 16 * PAGE, IOVA), IOVA);

        assertCovers(r, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP, FaultPoint.PAGE_ALLOC);
    }

    @Test
    void ioasMapIntoTwoDomainsUndoesTheFirstWhenTheSecondFails() {
        int dev = openDevice(DMATEST0);
        int devId = bind(dev);
        int ioas = ioasAlloc();
        attach(dev, ioas);
        user.ioctl(iommufd, IommufdIoctl.IOMMU_HWPT_ALLOC, new IommuHwptAlloc(Uapi.sizeOf(IommuHwptAlloc.class), 0, devId,
                ioas, 0, 0, 0, 0, 0, 0, 0));
        long buf = user.buffer(4 * PAGE);

        FailNthSweep.Result r = FailNthSweep.run(bench, "IOAS_MAP (two domains)", () -> map(ioas, buf, 4 * PAGE, IOVA), IOVA);

        assertEquals(2, r.passed().stream().filter(p -> p == FaultPoint.DOMAIN_MAP).count(), "one map per domain");
    }

    @Test
    void attachToAnIoasWithMappingsRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        bind(dev);
        int ioas = ioasAlloc();
        map(ioas, user.buffer(8 * PAGE), 8 * PAGE, IOVA);

        FailNthSweep.Result r = FailNthSweep.run(bench, "ATTACH_IOMMUFD_PT", () -> attach(dev, ioas), IOVA);

        assertCovers(r, FaultPoint.DOMAIN_ALLOC, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP, FaultPoint.ATTACH_DEV);
    }

    @Test
    void replacingTheAttachedIoasRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        bind(dev);
        int first = ioasAlloc();
        map(first, user.buffer(2 * PAGE), 2 * PAGE, IOVA);
        attach(dev, first);
        int second = ioasAlloc();
        map(second, user.buffer(2 * PAGE), 2 * PAGE, IOVA + 0x10_0000L);

        FailNthSweep.Result r = FailNthSweep.run(bench, "ATTACH_IOMMUFD_PT (replace)", () -> attach(dev, second), IOVA);

        assertCovers(r, FaultPoint.DOMAIN_ALLOC, FaultPoint.ATTACH_DEV);
    }

    @Test
    void hwptAllocOnAnIoasWithMappingsRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        int devId = bind(dev);
        int ioas = ioasAlloc();
        map(ioas, user.buffer(8 * PAGE), 8 * PAGE, IOVA);
        IommuHwptAlloc cmd = new IommuHwptAlloc(Uapi.sizeOf(IommuHwptAlloc.class), 0, devId, ioas, 0, 0, 0, 0, 0, 0, 0);

        FailNthSweep.Result r = FailNthSweep.run(bench, "HWPT_ALLOC",
                () -> user.ioctl(iommufd, IommufdIoctl.IOMMU_HWPT_ALLOC, cmd), IOVA);

        assertCovers(r, FaultPoint.DOMAIN_ALLOC, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP);
    }

    @Test
    void ioasCopyIntoAnAttachedIoasRollsBackAtEveryFaultPoint() {
        int dev = openDevice(DMATEST0);
        bind(dev);
        int src = ioasAlloc();
        map(src, user.buffer(4 * PAGE), 4 * PAGE, IOVA);
        int dst = ioasAlloc();
        attach(dev, dst);
        IommuIoasCopy copy = new IommuIoasCopy(Uapi.sizeOf(IommuIoasCopy.class), FIXED_RW, dst, src, 4 * PAGE,
                0x40_0000L, IOVA);

        FailNthSweep.Result r = FailNthSweep.run(bench, "IOAS_COPY",
                () -> user.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_COPY, copy), 0x40_0000L);

        assertCovers(r, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP);
    }

    @Test
    void bindOfAMultifunctionDeviceBlocksBothFunctionsOrNeither() {
        bench.toVfio(MF1);
        int dev = openDevice(MF0);

        FailNthSweep.Result r = FailNthSweep.run(bench, "BIND_IOMMUFD (mf0, group of two)", () -> bind(dev));

        assertEquals(2, r.passed().stream().filter(p -> p == FaultPoint.ATTACH_DEV).count(),
                "the blocking domain goes to both functions of the group");
    }

    @Test
    void attachOfADeviceWithTwoDmaAliasesMovesBothAliasesOrNeither() {
        int dev = openDevice(EDU1);
        bind(dev);
        int ioas = ioasAlloc();
        map(ioas, user.buffer(2 * PAGE), 2 * PAGE, IOVA);

        FailNthSweep.Result r = FailNthSweep.run(bench, "ATTACH_IOMMUFD_PT (edu1 behind a PCIe-to-PCI bridge)",
                () -> attach(dev, ioas), IOVA);

        assertEquals(3, r.passed().stream().filter(p -> p == FaultPoint.ATTACH_DEV).count(),
                "the group's bridge 00:06.0, then edu1's own requester ID and its alias 02:00.0 (pci_for_each_dma_alias)");
    }

    /** The legacy flow up to SET_IOMMU on dmatest0's group; the container's fd. */
    private int legacyContainer(int group) {
        int container = user.open("/dev/vfio/vfio");
        long fdArg = user.buffer(PAGE);
        user.process.memory().write(fdArg, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(container).array());
        user.ioctl(group, VfioIoctl.GROUP_SET_CONTAINER, fdArg);
        user.ioctl(container, VfioIoctl.SET_IOMMU, VfioIoctl.TYPE1V2_IOMMU);
        return container;
    }

    private void mapDma(int container, long uva, long length, long iova) {
        user.ioctl(container, VfioIoctl.IOMMU_MAP_DMA, new VfioIommuType1DmaMap(32,
                VfioIoctl.DMA_MAP_FLAG_READ | VfioIoctl.DMA_MAP_FLAG_WRITE, uva, iova, length));
    }

    @Test
    void legacyGetDeviceFdOfAContainerWithMappingsRollsBackAtEveryFaultPoint() {
        bench.toVfio(DMATEST0);
        int group = user.open(bench.groupPath(DMATEST0));
        mapDma(legacyContainer(group), user.buffer(8 * PAGE), 8 * PAGE, IOVA);
        long name = user.string(DMATEST0);

        FailNthSweep.Result r = FailNthSweep.run(bench, "VFIO_GROUP_GET_DEVICE_FD",
                () -> user.ioctl(group, VfioIoctl.GROUP_GET_DEVICE_FD, name), IOVA);

        assertCovers(r, FaultPoint.DOMAIN_ALLOC, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP, FaultPoint.ATTACH_DEV);
    }

    @Test
    void legacyMapDmaIntoAnAttachedContainerRollsBackAtEveryFaultPoint() {
        bench.toVfio(DMATEST0);
        int group = user.open(bench.groupPath(DMATEST0));
        int container = legacyContainer(group);
        user.ioctl(group, VfioIoctl.GROUP_GET_DEVICE_FD, user.string(DMATEST0));
        long buf = user.buffer(8 * PAGE);

        FailNthSweep.Result r = FailNthSweep.run(bench, "VFIO_IOMMU_MAP_DMA",
                () -> mapDma(container, buf, 8 * PAGE, IOVA), IOVA);

        assertCovers(r, FaultPoint.USER_PIN, FaultPoint.DOMAIN_MAP);
    }

    @Test
    void legacyGroupSetContainerRollsBackAtEveryFaultPoint() {
        bench.toVfio(MF0);
        bench.toVfio(MF1);
        int group = user.open(bench.groupPath(MF0));
        int container = user.open("/dev/vfio/vfio");
        long fdArg = user.buffer(PAGE);
        user.process.memory().write(fdArg, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(container).array());

        FailNthSweep.Result r = FailNthSweep.run(bench, "VFIO_GROUP_SET_CONTAINER (mf0/mf1)",
                () -> user.ioctl(group, VfioIoctl.GROUP_SET_CONTAINER, fdArg));

        assertCovers(r, FaultPoint.ATTACH_DEV);
    }

    @Test
    void selftestMockDomainOnAnIoasWithMappingsRollsBackAtEveryFaultPoint() {
        IommufdMockBus.of(bench.kernel);         // the mock unit comes up once, like a module loaded on first use
        int ioas = ioasAlloc();
        map(ioas, user.buffer(4 * PAGE), 4 * PAGE, 0x100_0000L);
        IommuTestCmd cmd = new IommuTestCmd(Uapi.sizeOf(IommuTestCmd.class), IommufdTestStructs.OP_MOCK_DOMAIN, ioas, 0,
                Uapi.encode(new MockDomain(0, 0, 0)), 0);

        FailNthSweep.Result r = FailNthSweep.run(bench, "IOMMU_TEST_OP_MOCK_DOMAIN",
                () -> user.ioctl(iommufd, IommufdIoctl.IOMMU_TEST_CMD, cmd), 0x100_0000L);

        assertCovers(r, FaultPoint.DOMAIN_ALLOC, FaultPoint.DOMAIN_MAP, FaultPoint.ATTACH_DEV);
    }
}
