package dev.vplat.vfio.vfio;

import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioGroupStatus;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaMap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaUnmap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1Info;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1InfoCapIovaRange;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1InfoDmaAvail;
import dev.vplat.vfio.uapi.VfioStructs.VfioIovaRange;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The legacy group/container path (group.c, container.c) served by iommufd's VFIO compat, sheet §4.4/§4.5. */
class VfioLegacyTest {
    private static final long IOVA = 0x20_0000;
    private static final int RW = VfioIoctl.DMA_MAP_FLAG_READ | VfioIoctl.DMA_MAP_FLAG_WRITE;
    private final VfioBed bed = new VfioBed();
    private final UserDriver drv = new UserDriver(bed);

    private int status(int group) {
        long a = bed.put(new VfioGroupStatus(8, 0));
        bed.ioctl(group, VfioIoctl.GROUP_GET_STATUS, a);
        return bed.get(VfioGroupStatus.class, a).flags();
    }

    private void setContainer(int group, int container) {
        bed.ioctl(group, VfioIoctl.GROUP_SET_CONTAINER, bed.putInt(container));
    }

    private void mapDma(int container, long vaddr, long iova, long size, int flags) {
        bed.ioctl(container, VfioIoctl.IOMMU_MAP_DMA, bed.put(new VfioIommuType1DmaMap(32, flags, vaddr, iova, size)));
    }

    private long unmapDma(int container, long iova, long size, int flags) {
        long a = bed.put(new VfioIommuType1DmaUnmap(24, flags, iova, size));
        bed.ioctl(container, VfioIoctl.IOMMU_UNMAP_DMA, a);
        return bed.get(VfioIommuType1DmaUnmap.class, a).size();
    }

    private int getDeviceFd(int group, String name) {
        return (int) bed.ioctl(group, VfioIoctl.GROUP_GET_DEVICE_FD, bed.putString(name));
    }

    /** Container with the dmatest group in it and TYPE1v2 (or TYPE1) set. */
    private int[] containerWithDmatest(int type) {
        bed.toVfio(VfioBed.DMATEST);
        int container = bed.open(Vfio.CONTAINER_PATH);
        int group = bed.open(bed.vfio.groupPath(VfioBed.DMATEST));
        setContainer(group, container);
        bed.ioctl(container, VfioIoctl.SET_IOMMU, type);
        return new int[] {container, group};
    }

    @Test
    void groupContainerType1v2FlowMapsUserMemoryForTheDevicesDma() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        assertEquals(1, bed.counter("dma_owner_claims"), "SET_CONTAINER took the group-exclusive claim");
        long buf = bed.mmap(0x4000);
        mapDma(cg[0], buf, IOVA, 0x4000, RW);
        int dev = getDeviceFd(cg[1], VfioBed.DMATEST);
        drv.enableBusMaster(dev);
        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA + 0x1000, 16, 0x0BADCAFE));
        assertEquals((byte) 0xFE, bed.proc.memory().read(buf + 0x1000, 1)[0]);
        assertEquals(Errno.EBUSY, VfioBed.errno(() -> bed.ioctl(cg[1], VfioIoctl.GROUP_UNSET_CONTAINER, 0)));
        bed.close(dev);
        bed.ioctl(cg[1], VfioIoctl.GROUP_UNSET_CONTAINER, 0);
        assertEquals(0, bed.counter("dma_owner_claims"));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(cg[1], VfioIoctl.GROUP_UNSET_CONTAINER, 0)));
    }

    @Test
    void containerAnswersApiVersionAndExtensions() {
        int container = bed.open(Vfio.CONTAINER_PATH);
        assertEquals(VfioIoctl.API_VERSION, bed.ioctl(container, VfioIoctl.GET_API_VERSION, 0));
        assertEquals(1, bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.TYPE1_IOMMU));
        assertEquals(1, bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.TYPE1V2_IOMMU));
        assertEquals(1, bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.UNMAP_ALL));
        assertEquals(0, bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.NOIOMMU_IOMMU));
        assertEquals(0, bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.UPDATE_VADDR));
        assertEquals(0, bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.SPAPR_TCE_IOMMU));
        assertEquals(Errno.ENODEV, VfioBed.errno(() -> bed.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.DMA_CC_IOMMU)));
        assertEquals(Errno.ENOTTY, VfioBed.errno(() -> bed.ioctl(container, VfioIoctl.IOMMU_DIRTY_PAGES, 0)));
    }

    @Test
    void containerIoctlsWithoutAGroupHaveNoCompatIoas() {
        int container = bed.open(Vfio.CONTAINER_PATH);
        assertEquals(Errno.ENODEV, VfioBed.errno(() -> bed.ioctl(container, VfioIoctl.SET_IOMMU, VfioIoctl.TYPE1V2_IOMMU)));
        assertEquals(Errno.ENODEV, VfioBed.errno(() -> mapDma(container, bed.mmap(0x1000), IOVA, 0x1000, RW)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(container, VfioIoctl.SET_IOMMU, VfioIoctl.SPAPR_TCE_IOMMU)),
                "the type is checked before the IOAS");
    }

    @Test
    void groupStatusIsViableOnlyWhenNoKernelDriverUsesTheGroup() {
        bed.toVfio(VfioBed.MF0);
        int group = bed.open(bed.vfio.groupPath(VfioBed.MF0));
        assertEquals(0, status(group), "00:05.1 still has its DMA-API driver");
        int container = bed.open(Vfio.CONTAINER_PATH);
        assertEquals(Errno.EPERM, VfioBed.errno(() -> setContainer(group, container)));
        bed.stack.drivers().unbind(VfioBed.MF1);
        assertEquals(VfioIoctl.GROUP_FLAGS_VIABLE, status(group), "an unbound sibling is harmless");
        setContainer(group, container);
        assertEquals(VfioIoctl.GROUP_FLAGS_VIABLE | VfioIoctl.GROUP_FLAGS_CONTAINER_SET, status(group));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(group, VfioIoctl.GROUP_GET_STATUS,
                bed.put(new VfioGroupStatus(7, 0)))));
    }

    @Test
    void groupNodeHasOneOpenerAndUnknownGroupIoctlsAreEnotty() {
        bed.toVfio(VfioBed.DMATEST);
        String path = bed.vfio.groupPath(VfioBed.DMATEST);
        int group = bed.open(path);
        assertEquals(Errno.EBUSY, VfioBed.errno(() -> bed.open(path)));
        assertEquals(Errno.ENOTTY, VfioBed.errno(() -> bed.ioctl(group, VfioIoctl.DEVICE_GET_INFO, 0)));
    }

    @Test
    void setContainerChecksThePointerTheFdAndItsKind() {
        bed.toVfio(VfioBed.DMATEST);
        int group = bed.open(bed.vfio.groupPath(VfioBed.DMATEST));
        int efd = bed.eventfd();
        assertEquals(Errno.EFAULT, VfioBed.errno(() -> bed.ioctl(group, VfioIoctl.GROUP_SET_CONTAINER, 0x10)));
        assertEquals(Errno.EBADF, VfioBed.errno(() -> setContainer(group, 200)));
        assertEquals(Errno.EBADFD, VfioBed.errno(() -> setContainer(group, efd)));
        int container = bed.open(Vfio.CONTAINER_PATH);
        setContainer(group, container);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> setContainer(group, container)), "already set");
    }

    @Test
    void getDeviceFdNeedsAKnownNameAContainerAndSetIommu() {
        bed.toVfio(VfioBed.DMATEST);
        int group = bed.open(bed.vfio.groupPath(VfioBed.DMATEST));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> getDeviceFd(group, VfioBed.DMATEST)), "no container");
        int container = bed.open(Vfio.CONTAINER_PATH);
        setContainer(group, container);
        assertEquals(Errno.ENODEV, VfioBed.errno(() -> getDeviceFd(group, VfioBed.EDU)), "not in this group");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> getDeviceFd(group, VfioBed.DMATEST)), "SET_IOMMU not done");
        bed.ioctl(container, VfioIoctl.SET_IOMMU, VfioIoctl.TYPE1V2_IOMMU);
        int a = getDeviceFd(group, VfioBed.DMATEST);
        int b = getDeviceFd(group, VfioBed.DMATEST);
        assertTrue(a != b, "the group path may open a device more than once");
        assertEquals(2, bed.counter("vfio_device_files"));
    }

    @Test
    void aPlainIommufdAsContainerDefersTheOwnershipClaimToTheFirstDeviceOpen() {
        bed.toVfio(VfioBed.DMATEST);
        int group = bed.open(bed.vfio.groupPath(VfioBed.DMATEST));
        int iommufd = bed.open(Iommufd.PATH);
        setContainer(group, iommufd);
        assertEquals(0, bed.counter("dma_owner_claims"));
        int dev = getDeviceFd(group, VfioBed.DMATEST);
        assertEquals(1, bed.counter("dma_owner_claims"));
        bed.close(dev);
        assertEquals(0, bed.counter("dma_owner_claims"));
    }

    @Test
    void mapDmaChecksArgszFlagsOverlapAndWrap() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        int c = cg[0];
        long buf = bed.mmap(0x4000);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(c, VfioIoctl.IOMMU_MAP_DMA,
                bed.put(new VfioIommuType1DmaMap(31, RW, buf, IOVA, 0x1000)))));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> mapDma(c, buf, IOVA, 0x1000, VfioIoctl.DMA_MAP_FLAG_VADDR)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> mapDma(c, buf, IOVA, 0, RW)));
        assertEquals(Errno.EOVERFLOW, VfioBed.errno(() -> mapDma(c, -0x1000L, IOVA, 0x2000, RW)));
        mapDma(c, buf, IOVA, 0x2000, RW);
        assertEquals(Errno.EEXIST, VfioBed.errno(() -> mapDma(c, buf, IOVA + 0x1000, 0x2000, RW)));
        mapDma(c, buf + 0x2000, IOVA + 0x10_0000, 0x1000, 0);
    }

    @Test
    void type1v2RefusesToUnmapPartOfAMappingWithEnoent() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        mapDma(cg[0], bed.mmap(0x4000), IOVA, 0x4000, RW);
        assertEquals(Errno.ENOENT, VfioBed.errno(() -> unmapDma(cg[0], IOVA, 0x1000, 0)));
        assertEquals(0x4000, unmapDma(cg[0], IOVA, 0x4000, 0));
    }

    @Test
    void type1CutsTheMappingSoAPartialUnmapSucceeds() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1_IOMMU);
        long buf = bed.mmap(0x4000);
        mapDma(cg[0], buf, IOVA, 0x4000, RW);
        int dev = getDeviceFd(cg[1], VfioBed.DMATEST);
        drv.enableBusMaster(dev);
        assertEquals(0x1000, unmapDma(cg[0], IOVA + 0x1000, 0x1000, 0));
        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA, 4, 1), "the piece before the hole is still mapped");
        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA + 0x2000, 4, 1), "and the piece after it");
        assertEquals(DmaTestDevice.RESULT_PERMISSION_FAULT, drv.dmaFill(dev, IOVA + 0x1000, 4, 1));
        assertEquals(3, bed.counter("pinned_pages"), "the cut-out page was unpinned");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> unmapDma(cg[0], IOVA + 0x2800, 0x800, 0)),
                "cuts must fall on page boundaries");
    }

    @Test
    void unmapOfAnEmptyRangeSucceedsWithSizeZeroAndUnmapAllNeedsZeroIovaAndSize() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        assertEquals(0, unmapDma(cg[0], IOVA, 0x1000, 0), "compat since Nov 2025 (afb47765f923)");
        mapDma(cg[0], bed.mmap(0x2000), IOVA, 0x2000, RW);
        mapDma(cg[0], bed.mmap(0x1000), IOVA + 0x10_0000, 0x1000, RW);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> unmapDma(cg[0], IOVA, 0, VfioIoctl.DMA_UNMAP_FLAG_ALL)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> unmapDma(cg[0], 0, 0x1000, VfioIoctl.DMA_UNMAP_FLAG_ALL)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> unmapDma(cg[0], IOVA, 0x2000,
                VfioIoctl.DMA_UNMAP_FLAG_GET_DIRTY_BITMAP)), "dirty bitmaps are not served by iommufd compat");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> unmapDma(cg[0], IOVA, 0, 0)));
        assertEquals(0x3000, unmapDma(cg[0], 0, 0, VfioIoctl.DMA_UNMAP_FLAG_ALL));
    }

    @Test
    void getInfoReportsPageSizesAndTheCapabilityChain() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        long small = bed.put(new VfioIommuType1Info(16, 0, 0, 0, 0));
        bed.ioctl(cg[0], VfioIoctl.IOMMU_GET_INFO, small);
        int infoSize = Uapi.sizeOf(VfioIommuType1Info.class);
        int avail = 16;
        int needed = infoSize + avail + Uapi.sizeOf(VfioIommuType1InfoCapIovaRange.class) + Uapi.sizeOf(VfioIovaRange.class);
        VfioIommuType1Info s = bed.get(VfioIommuType1Info.class, small);
        assertEquals(needed, s.argsz(), "argsz comes back as what all capabilities need");
        assertEquals(VfioIoctl.IOMMU_INFO_PGSIZES | VfioIoctl.IOMMU_INFO_CAPS, s.flags());

        long full = bed.put(UserDriver.concat(Uapi.encode(new VfioIommuType1Info(needed, 0, 0, 0, 0)), new byte[needed]));
        bed.ioctl(cg[0], VfioIoctl.IOMMU_GET_INFO, full);
        VfioIommuType1Info info = bed.get(VfioIommuType1Info.class, full);
        assertEquals(infoSize, info.capOffset());
        assertTrue((info.iovaPgsizes() & 0x1000) != 0);
        VfioIommuType1InfoDmaAvail dma = bed.get(VfioIommuType1InfoDmaAvail.class, full + infoSize);
        assertEquals(VfioIoctl.IOMMU_TYPE1_INFO_DMA_AVAIL, dma.id());
        assertEquals(-1, dma.avail(), "U32_MAX");
        assertEquals(infoSize + avail, dma.next());
        VfioIommuType1InfoCapIovaRange iova = bed.get(VfioIommuType1InfoCapIovaRange.class, full + dma.next());
        assertEquals(VfioIoctl.IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, iova.id());
        assertEquals(0, iova.next());
        assertEquals(1, iova.nrIovas(), "no device attached yet: nothing is reserved");
        VfioIovaRange r = bed.get(VfioIovaRange.class, full + dma.next() + Uapi.sizeOf(VfioIommuType1InfoCapIovaRange.class));
        assertEquals(0, r.start());
        assertEquals(-1L, r.end());
    }

    @Test
    void iovaRangesExcludeTheMsiWindowOnceADeviceIsAttached() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        getDeviceFd(cg[1], VfioBed.DMATEST);
        int size = 4096;
        long a = bed.put(UserDriver.concat(Uapi.encode(new VfioIommuType1Info(size, 0, 0, 0, 0)), new byte[size]));
        bed.ioctl(cg[0], VfioIoctl.IOMMU_GET_INFO, a);
        int off = Uapi.sizeOf(VfioIommuType1Info.class) + 16;
        VfioIommuType1InfoCapIovaRange cap = bed.get(VfioIommuType1InfoCapIovaRange.class, a + off);
        assertTrue(cap.nrIovas() >= 2);
        for (int i = 0; i < cap.nrIovas(); i++) {
            VfioIovaRange r = bed.get(VfioIovaRange.class, a + off + 16 + 16L * i);
            assertFalse(Long.compareUnsigned(r.start(), 0xFEE0_0000L) <= 0 && Long.compareUnsigned(0xFEE0_0000L, r.end()) <= 0,
                    "the x86 interrupt window is reserved");
        }
    }

    @Test
    void processExitReleasesEverythingTheLegacyPathTook() {
        int[] cg = containerWithDmatest(VfioIoctl.TYPE1V2_IOMMU);
        mapDma(cg[0], bed.mmap(0x4000), IOVA, 0x4000, RW);
        int dev = getDeviceFd(cg[1], VfioBed.DMATEST);
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, bed.eventfd(), bed.eventfd());
        bed.kernel.exit(bed.proc);
        assertEquals(0, bed.counter("iommufd_objects"));
        assertEquals(0, bed.counter("pinned_pages"));
        assertEquals(0, bed.counter("dma_owner_claims"));
        assertEquals(0, bed.counter("vfio_device_files"));
        assertEquals(0, bed.counter("vfio_host_vectors"));
        bed.stack.drivers().unbind(VfioBed.DMATEST);
        bed.stack.drivers().bind(VfioBed.DMATEST + " dmatest");
    }
}
