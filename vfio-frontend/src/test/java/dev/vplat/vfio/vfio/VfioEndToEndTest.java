package dev.vplat.vfio.vfio;

import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.uapi.VfioIoctl;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A user-space driver's whole life on the q35 machine, through /dev/iommu and the VFIO cdev. */
class VfioEndToEndTest {
    private static final long IOVA = 0x10_0000;
    private final VfioBed bed = new VfioBed();
    private final UserDriver drv = new UserDriver(bed);

    @Test
    void cdevUserDriverDmasIntoUserMemoryGetsMsixOnAnEventfdAndFaultsAfterUnmap() {
        bed.toVfio(VfioBed.DMATEST);
        int dev = bed.open(bed.vfio.cdevPath(VfioBed.DMATEST));
        int iommufd = bed.open(Iommufd.PATH);
        drv.bind(dev, iommufd);
        int ioas = drv.ioasAlloc(iommufd);
        long buf = bed.mmap(0x1_0000);
        drv.map(iommufd, ioas, buf, 0x1_0000, IOVA);
        drv.attach(dev, ioas);
        drv.enableBusMaster(dev);
        int efd = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, efd);

        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA + 0x2000, 4096, 0xA5A5A5A5));
        byte[] expected = new byte[4096];
        Arrays.fill(expected, (byte) 0xA5);
        assertArrayEquals(expected, bed.proc.memory().read(buf + 0x2000, 4096), "the device wrote the user's pages");
        assertEquals(1, bed.eventFd(efd).counter(), "MSI-X vector 0 signalled the eventfd once");

        assertEquals(0x1_0000, drv.unmap(iommufd, ioas, IOVA, 0x1_0000));
        assertEquals(DmaTestDevice.RESULT_PERMISSION_FAULT, drv.dmaFill(dev, IOVA + 0x2000, 4096, 0x5A5A5A5A),
                "the unmapped leaf has R=W=0: a VT-d write to it faults with reason 5h (spec 7.1.3)");
        assertEquals(IOVA + 0x2000, bed.pread(dev, 0, DmaTestDevice.REG_FAULT_ADDR, 8));

        bed.close(dev);
        bed.close(iommufd);
        bed.close(efd);
        assertEquals(0, bed.counter("iommufd_objects"));
        assertEquals(0, bed.counter("pinned_pages"));
        assertEquals(0, bed.counter("dma_owner_claims"));
        assertEquals(0, bed.counter("vfio_device_files"));
        assertEquals(0, bed.counter("vfio_host_vectors"));
    }
}
