package dev.vplat.vfio.vfio;

import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.iommu.DmaOwnership;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceDetachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The VFIO device cdev (drivers/vfio/device_cdev.c, vfio_main.c) and its errnos, sheet §4.3. */
class VfioCdevTest {
    private static final long IOVA = 0x10_0000;
    private final VfioBed bed = new VfioBed();
    private final UserDriver drv = new UserDriver(bed);

    private int openCdev(String bdf) {
        return bed.open(bed.vfio.cdevPath(bdf));
    }

    private long bindArg(int argsz, int flags, int iommufd) {
        return bed.put(new VfioDeviceBindIommufd(argsz, flags, iommufd, 0, 0));
    }

    @Test
    void cdevNodesAppearInBindOrderFromZeroAndGoAwayOnUnbind() {
        bed.toVfio(VfioBed.EDU);
        bed.toVfio(VfioBed.DMATEST);
        assertEquals("/dev/vfio/devices/vfio0", bed.vfio.cdevPath(VfioBed.EDU));
        assertEquals("/dev/vfio/devices/vfio1", bed.vfio.cdevPath(VfioBed.DMATEST));
        bed.stack.drivers().unbind(VfioBed.EDU);
        assertFalse(bed.kernel.nodes().exists("/dev/vfio/devices/vfio0"));
        assertEquals(List.of(VfioBed.DMATEST), bed.vfio.deviceNames());
        bed.toVfio(VfioBed.MF0);
        assertEquals("/dev/vfio/devices/vfio0", bed.vfio.cdevPath(VfioBed.MF0), "the lowest free index is reused");
    }

    @Test
    void everyIoctlAndRegionAccessBeforeBindIsEinval() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        long info = bed.put(new VfioDeviceInfo(24, 0, 0, 0, 0, 0));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_GET_INFO, info)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT,
                bed.put(new VfioDeviceAttachIommufdPt(16, 0, 1, 0)))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, 0x3bff, 0)), "even an unknown ioctl");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.pread(dev, VfioIoctl.PCI_CONFIG_REGION_INDEX, 0, 4)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.pwrite(dev, 0, 0, 4, 0)));
    }

    @Test
    void bindValidatesArgszFlagsAndTheIommufdFdInOrder() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        int efd = bed.eventfd();
        assertEquals(Errno.EFAULT, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD, 0x1000)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD, bindArg(15, 0, iommufd))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD, bindArg(16, 2, iommufd))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD, bindArg(16, 0, -1))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD,
                bed.put(new VfioDeviceBindIommufd(24, VfioIoctl.DEVICE_BIND_FLAG_TOKEN, iommufd, 0, bed.mmap(16))))),
                "a VF token on a function that is neither PF nor VF");
        assertEquals(Errno.EBADF, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD, bindArg(16, 0, 99))));
        assertEquals(Errno.EBADFD, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_BIND_IOMMUFD, bindArg(16, 0, efd))));
        assertEquals(0, bed.counter("dma_owner_claims"), "no failed bind left a claim behind");
    }

    @Test
    void bindClaimsOwnershipForTheIommufdAndLeavesDmaBlocked() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        int devid = drv.bind(dev, iommufd);
        assertTrue(devid > 0);
        assertEquals(DmaOwnership.USER, bed.stack.iommu().device(bed.function(VfioBed.DMATEST).requesterId()).group().ownership());
        assertEquals(1, bed.counter("dma_owner_claims"));
        drv.enableBusMaster(dev);
        assertEquals(DmaTestDevice.RESULT_TRANSLATION_FAULT, drv.dmaFill(dev, IOVA, 64, 1),
                "no attach yet: the blocking domain (no context entry) refuses all DMA");
    }

    @Test
    void bindingTwiceOrFromASecondFileIsEinval() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int other = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        drv.bind(dev, iommufd);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> drv.bind(dev, iommufd)), "this file is bound already");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> drv.bind(other, iommufd)), "cdev has no multi-open");
    }

    @Test
    void bindFailsWithEpermWhileASiblingOfTheGroupKeepsItsKernelDriver() {
        bed.toVfio(VfioBed.MF0);
        int dev = openCdev(VfioBed.MF0);
        int iommufd = bed.open(Iommufd.PATH);
        assertEquals(Errno.EPERM, VfioBed.errno(() -> drv.bind(dev, iommufd)), "00:05.1 is bound to its DMA-API driver");
        bed.toVfio(VfioBed.MF1);
        drv.bind(dev, iommufd);
        assertEquals(1, bed.counter("dma_owner_claims"));
    }

    @Test
    void attachToAnIoasThenToAnotherReplacesAndDetachBlocksAgain() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        drv.bind(dev, iommufd);
        drv.enableBusMaster(dev);
        int ioasA = drv.ioasAlloc(iommufd);
        int ioasB = drv.ioasAlloc(iommufd);
        long a = bed.mmap(0x1000);
        long b = bed.mmap(0x1000);
        drv.map(iommufd, ioasA, a, 0x1000, IOVA);
        drv.map(iommufd, ioasB, b, 0x1000, IOVA);
        int hwptA = drv.attach(dev, ioasA);
        assertNotEquals(ioasA, hwptA, "the kernel writes back the automatic HWPT's id");
        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA, 4, 0x11111111));
        drv.attach(dev, ioasB);
        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA, 4, 0x22222222));
        assertEquals(0x11, bed.proc.memory().read(a, 1)[0]);
        assertEquals(0x22, bed.proc.memory().read(b, 1)[0], "the second attach replaced the first");
        drv.detach(dev);
        assertEquals(DmaTestDevice.RESULT_TRANSLATION_FAULT, drv.dmaFill(dev, IOVA, 4, 0x33333333),
                "detached: back in the blocking domain");
        drv.detach(dev);
    }

    @Test
    void attachAndDetachCheckArgszAndFlags() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        drv.bind(dev, iommufd);
        int ioas = drv.ioasAlloc(iommufd);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT,
                bed.put(new VfioDeviceAttachIommufdPt(11, 0, ioas, 0)))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT,
                bed.put(new VfioDeviceAttachIommufdPt(16, 2, ioas, 0)))));
        assertEquals(Errno.ENOENT, VfioBed.errno(() -> drv.attach(dev, 77)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_DETACH_IOMMUFD_PT,
                bed.put(new VfioDeviceDetachIommufdPt(7, 0, 0)))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(dev, VfioIoctl.DEVICE_DETACH_IOMMUFD_PT,
                bed.put(new VfioDeviceDetachIommufdPt(8, 4, 0)))));
    }

    @Test
    void destroyingTheBoundDeviceObjectIsEbusy() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        int devid = drv.bind(dev, iommufd);
        assertEquals(Errno.EBUSY, VfioBed.errno(() -> bed.ioctl(iommufd, IommufdIoctl.IOMMU_DESTROY,
                bed.put(new IommuDestroy(8, devid)))));
    }

    @Test
    void closingTheDeviceFdUnbindsAndReturnsOwnershipEvenAfterTheIommufdWasClosed() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        drv.bind(dev, iommufd);
        drv.map(iommufd, drv.ioasAlloc(iommufd), bed.mmap(0x4000), 0x4000, IOVA);
        drv.attach(dev, 1 + 1);
        bed.close(iommufd);
        assertEquals(4, bed.counter("pinned_pages"), "the bound device keeps the context alive");
        bed.close(dev);
        assertEquals(0, bed.counter("pinned_pages"));
        assertEquals(0, bed.counter("iommufd_objects"));
        assertEquals(0, bed.counter("dma_owner_claims"));
        assertEquals(DmaOwnership.NONE, bed.stack.iommu().device(bed.function(VfioBed.DMATEST).requesterId()).group().ownership());
    }

    @Test
    void aBoundCdevKeepsTheGroupNodeClosedAndAnOpenGroupRefusesTheBind() {
        bed.toVfio(VfioBed.DMATEST);
        String group = bed.vfio.groupPath(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        int iommufd = bed.open(Iommufd.PATH);
        int g = bed.open(group);
        assertEquals(Errno.EBUSY, VfioBed.errno(() -> drv.bind(dev, iommufd)));
        bed.close(g);
        drv.bind(dev, iommufd);
        assertEquals(Errno.EBUSY, VfioBed.errno(() -> bed.open(group)));
        bed.close(dev);
        bed.close(bed.open(group));
    }

    @Test
    void unbindingVfioPciWhileTheDeviceIsOpenIsEbusyAndSignalsTheReqEventfd() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = openCdev(VfioBed.DMATEST);
        drv.bind(dev, bed.open(Iommufd.PATH));
        int req = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_REQ_IRQ_INDEX, 0, req);
        assertEquals(Errno.EBUSY, VfioBed.errno(() -> bed.stack.drivers().unbind(VfioBed.DMATEST)));
        assertEquals(1, bed.eventFd(req).counter());
        bed.close(dev);
        bed.stack.drivers().unbind(VfioBed.DMATEST);
        assertEquals(0, bed.counter("vfio_devices"));
    }
}
