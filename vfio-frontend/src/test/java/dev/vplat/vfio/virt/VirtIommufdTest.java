package dev.vplat.vfio.virt;

import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.hostiommu.SmmuV3Event;
import dev.vplat.vfio.hostiommu.SmmuV3HostDriver;
import dev.vplat.vfio.platform.VirtPreset;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.uapi.IommufdIoctl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A user-space driver on the Arm {@code virt} machine through /dev/iommu and the VFIO cdev: the
 * automatic HWPT of the IOAS is a stage 1 domain the host SMMUv3 driver builds, so DMA goes
 * through the unit's STE, CD and tables, and after the unmap the DMA faults and the host
 * driver reads an F_TRANSLATION record from the event queue.
 */
class VirtIommufdTest {
    private static final long IOVA = 0x10_0000;
    private static final RequesterId RID = RequesterId.parse(VirtHost.DMATEST);
    private final VirtHost host = new VirtHost();
    private final VirtUserDriver drv = new VirtUserDriver(host);

    @AfterEach
    void close() {
        host.close();
    }

    /** The cdev bound to an iommufd with {@code buf} mapped at {@link #IOVA} and the device attached: fds {dev, iommufd, ioas, devId}. */
    private int[] userDriver(long buf, long length) {
        host.toVfio(VirtHost.DMATEST);
        int dev = host.open(host.vfio.cdevPath(VirtHost.DMATEST));
        int iommufd = host.open(Iommufd.PATH);
        int devId = drv.bind(dev, iommufd);
        int ioas = drv.ioasAlloc(iommufd);
        drv.map(iommufd, ioas, buf, length, IOVA);
        drv.attach(dev, ioas);
        drv.enableBusMaster(dev);
        return new int[] {dev, iommufd, ioas, devId};
    }

    @Test
    void dmaLandsInUserMemoryThroughTheStage1DomainAndFaultsWithAnEventAfterUnmap() {
        long buf = host.mmap(0x1_0000);
        int[] fds = userDriver(buf, 0x1_0000);
        int dev = fds[0];
        assertInstanceOf(PagingDomain.class, host.smmuDriver.attachedDomain(RID),
                "the automatic HWPT is a paging domain of the host SMMUv3 driver");

        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(dev, IOVA + 0x2000, 4096, 0xA5A5A5A5));
        byte[] expected = new byte[4096];
        Arrays.fill(expected, (byte) 0xA5);
        assertArrayEquals(expected, host.read(buf + 0x2000, 4096), "the device wrote the user's pages");

        assertEquals(0x1_0000, drv.unmap(fds[1], fds[2], IOVA, 0x1_0000));
        int before = host.smmuDriver.events().size();
        assertEquals(DmaTestDevice.RESULT_TRANSLATION_FAULT, drv.dmaFill(dev, IOVA + 0x2000, 4096, 0x5A5A5A5A),
                "the unmap invalidated the TLB (CMD_TLBI_NH_VA + CMD_SYNC)");
        assertEquals(IOVA + 0x2000, host.pread(dev, 0, DmaTestDevice.REG_FAULT_ADDR, 8));
        List<SmmuV3Event> events = host.smmuDriver.events();
        assertEquals(before + 1, events.size(), "the event-queue MSI made the host driver read one record");
        SmmuV3Event e = events.get(events.size() - 1);
        assertEquals(SmmuV3Event.F_TRANSLATION, e.type());
        assertEquals(RID.value(), e.streamId());
        assertEquals(IOVA + 0x2000, e.inputAddress());
        assertFalse(e.read());

        host.close(dev);
        host.close(fds[1]);
        assertEquals(0, host.counter("iommufd_objects"));
        assertEquals(0, host.counter("pinned_pages"));
        assertEquals(0, host.counter("dma_owner_claims"));
    }

    @Test
    void getHwInfoReportsTheArmSmmuv3TypeWithTheUnitsIdRegisters() {
        int[] fds = userDriver(host.mmap(0x1000), 0x1000);

        VirtUserDriver.HwInfo info = drv.hwInfo(fds[1], fds[3]);

        assertEquals(IommufdIoctl.HW_INFO_TYPE_ARM_SMMUV3, info.header().dataType());
        assertEquals(40, info.header().dataLen(), "sizeof(struct iommu_hw_info_arm_smmuv3)");
        assertEquals(0, info.data().getInt(0), "flags");
        for (int i = 0; i < 6; i++) {
            assertEquals((int) host.smmu.registers().read(4 * i, 4), info.data().getInt(8 + 4 * i), "IDR" + i);
        }
        assertEquals((int) host.smmu.registers().read(0x18, 4), info.data().getInt(32), "IIDR");
        assertEquals((int) host.smmu.registers().read(0x1C, 4), info.data().getInt(36), "AIDR");
        assertEquals(0x0D48701A, info.data().getInt(8), "the default unit's IDR0");
    }

    @Test
    void msixSignalsTheEventfdThroughTheItsDoorbellMappedAtTheSwMsiIova() {
        int[] fds = userDriver(host.mmap(0x1_0000), 0x1_0000);
        int efd = host.eventfd();

        drv.msixToEventfd(fds[0], efd);
        assertEquals(DmaTestDevice.RESULT_DONE, drv.dmaFill(fds[0], IOVA, 64, 0x11223344));

        assertEquals(1, host.eventCount(efd), "MSI-X vector 0 reached the ITS and signalled the eventfd once");
        PagingDomain domain = (PagingDomain) host.smmuDriver.attachedDomain(RID);
        assertEquals(VirtPreset.GITS_TRANSLATER & ~0xFFFL, domain.iovaToPhys(SmmuV3HostDriver.MSI_IOVA_BASE),
                "the SW_MSI window's first page maps GITS_TRANSLATER's page (iommu_dma_prepare_msi)");
        assertEquals(0, host.smmuDriver.events().size(), "the MSI write did not fault");
        host.close(fds[0]);
        assertEquals(0, host.counter("vfio_host_vectors"));
    }
}
