package dev.vplat.vfio.virt;

import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.hostiommu.SmmuV3Event;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.vfio.Vfio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The legacy group/container flow on the Arm {@code virt} machine: /dev/vfio/vfio (iommufd's
 * compat layer) with TYPE1v2, the device's DMA through the compat IOAS's stage 1 domain on the
 * host SMMUv3, and the fault the host driver reads after UNMAP_DMA.
 */
class VirtVfioContainerTest {
    private static final long IOVA = 0x20_0000;
    private final VirtHost host = new VirtHost();
    private final VirtUserDriver drv = new VirtUserDriver(host);

    @AfterEach
    void close() {
        host.close();
    }

    private long putInt(int v) {
        return host.put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private long putString(String s) {
        byte[] b = java.util.Arrays.copyOf(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII), s.length() + 1);
        return host.put(b);
    }

    @Test
    void groupContainerType1v2MapsUserMemoryForDmaAndUnmapMakesItFault() {
        host.toVfio(VirtHost.DMATEST);
        int container = host.open(Vfio.CONTAINER_PATH);
        assertEquals(VfioIoctl.API_VERSION, host.ioctl(container, VfioIoctl.GET_API_VERSION, 0));
        assertEquals(1, host.ioctl(container, VfioIoctl.CHECK_EXTENSION, VfioIoctl.TYPE1V2_IOMMU));
        int group = host.open(host.vfio.groupPath(VirtHost.DMATEST));
        host.ioctl(group, VfioIoctl.GROUP_SET_CONTAINER, putInt(container));
        host.ioctl(container, VfioIoctl.SET_IOMMU, VfioIoctl.TYPE1V2_IOMMU);
        long buf = host.mmap(0x4000);
        drv.mapDma(container, buf, IOVA, 0x4000);
        int dev = (int) host.ioctl(group, VfioIoctl.GROUP_GET_DEVICE_FD, putString(VirtHost.DMATEST));
        drv.enableBusMaster(dev);

        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA + 0x1000, 16, 0x0BADCAFE));
        assertEquals((byte) 0xFE, host.read(buf + 0x1000, 1)[0], "the device wrote the user's page");

        assertEquals(0x4000, drv.unmapDma(container, IOVA, 0x4000));
        assertEquals(DmaTestDevice.RESULT_TRANSLATION_FAULT, drv.dmaFill(dev, IOVA + 0x1000, 16, 0));
        SmmuV3Event e = host.smmuDriver.events().get(host.smmuDriver.events().size() - 1);
        assertEquals(SmmuV3Event.F_TRANSLATION, e.type());
        assertEquals(IOVA + 0x1000, e.inputAddress());

        host.close(dev);
        host.ioctl(group, VfioIoctl.GROUP_UNSET_CONTAINER, 0);
        assertEquals(0, host.counter("dma_owner_claims"));
    }
}
