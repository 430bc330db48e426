package dev.vplat.guest.suites;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioGroup;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.VfioUserDriver;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.hostiommu.SmmuV3Event;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;

import static dev.vplat.guest.suites.HostRig.DMATEST0;
import static dev.vplat.guest.suites.HostRig.copyThroughVfio;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 8 (part 4): the user-driver flows on the Arm {@code virt} machine, whose SMMUv3 is the
 * host's: iommufd + cdev with the automatic HWPT realized by the host SMMUv3 driver as a stage 1
 * domain, DMA into and faults after unmapping process memory, MSI-X to an eventfd through the
 * ITS doorbell page mapped at the software-MSI IOVA, IOMMU_GET_HW_INFO of type ARM_SMMUV3 with
 * the unit's ID registers, and the legacy group/container flow.
 */
@GuestSuite(machine = "virt")
@DisplayName("8 iommufd and VFIO on virt (host SMMUv3)")
public class VirtVfioSuite {
    /** Linux's MSI_IOVA_BASE / MSI_IOVA_LENGTH: the IOMMU_RESV_SW_MSI window of arm-smmu-v3. */
    private static final long SW_MSI_BASE = 0x800_0000L, SW_MSI_LAST = 0x80F_FFFFL;

    private static MachineInfo.Iommu hostSmmu(HostRig rig) {
        MachineInfo.Iommu unit = rig.guest.machineInfo().iommus().stream()
                .filter(u -> u.kind().equals("arm-smmuv3") && u.owner().equals("host")).findFirst().orElse(null);
        Assumptions.assumeTrue(unit != null, "the target has no host-owned arm-smmuv3");
        return unit;
    }

    @Test
    void dmaLandsInProcessMemoryAndFaultsWithAnSmmuEventAfterUnmap(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        MachineInfo.Iommu unit = hostSmmu(rig);
        try (VfioUserDriver drv = rig.userDriver("dpdk-arm", DMATEST0)) {
            UserBuffer buf = drv.device().client().mmap(2 * 4096);
            byte[] data = GuestRig.pattern(4096, 21);
            buf.write(0, data);
            long iova = drv.mapDma(buf);
            drv.enableBusMaster();
            assertEquals(Result.DONE, copyThroughVfio(drv, iova, iova + 4096, 4096));
            assertArrayEquals(data, buf.read(4096, 4096));

            drv.unmapDma(iova);
            assertEquals(Result.TRANSLATION_FAULT, copyThroughVfio(drv, iova, iova + 4096, 64));

            EmbeddedVplat server = target.requireEmbedded("reads the host SMMUv3 driver's event log");
            List<SmmuV3Event> events = server.onMachineThread(() -> server.platform().kernel()
                    .service(HostStack.class).smmuDriver(unit.id()).events());
            SmmuV3Event last = events.get(events.size() - 1);
            assertEquals(SmmuV3Event.F_TRANSLATION, last.type());
            assertEquals(0x100, last.streamId(), "dmatest1 at 01:00.0");
            assertEquals(iova, last.inputAddress());
            assertTrue(last.read(), "the copy's first access is the read of the source");
        }
    }

    @Test
    void msixVector0ReachesItsEventfdThroughTheItsDoorbell(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        hostSmmu(rig);
        try (VfioUserDriver drv = rig.userDriver("irq-arm", DMATEST0)) {
            UserBuffer buf = drv.device().client().mmap(2 * 4096);
            long iova = drv.mapDma(buf);
            drv.enableBusMaster();
            drv.enableMsix(1);

            assertEquals(Result.DONE, copyThroughVfio(drv, iova, iova + 4096, 16));
            assertEquals(1, drv.awaitInterrupt(0, Duration.ofSeconds(10)));
        }
    }

    @Test
    void iovaRangesLeaveOutTheSoftwareMsiWindow(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        hostSmmu(rig);
        try (VfioUserDriver drv = rig.userDriver("ranges-arm", DMATEST0)) {
            List<IommuIovaRange> ranges = drv.iommufd().iovaRanges(drv.ioas()).ranges();
            assertTrue(ranges.stream().anyMatch(r -> r.last() == SW_MSI_BASE - 1), () -> "ends below 0x8000000: " + ranges);
            assertTrue(ranges.stream().anyMatch(r -> r.start() == SW_MSI_LAST + 1), () -> "resumes above it: " + ranges);
            assertTrue(ranges.stream().noneMatch(r -> r.start() <= SW_MSI_BASE && r.last() >= SW_MSI_BASE), ranges::toString);
        }
    }

    @Test
    void getHwInfoIsTheArmSmmuv3TypeWithTheUnitsIdRegisters(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        MachineInfo.Iommu unit = hostSmmu(rig);
        try (VfioUserDriver drv = rig.userDriver("hwinfo-arm", DMATEST0)) {
            Iommufd.HwInfo info = drv.iommufd().hwInfo(drv.devId(), 64);

            assertEquals(IommufdIoctl.HW_INFO_TYPE_ARM_SMMUV3, info.info().dataType());
            assertEquals(40, info.info().dataLen(), "struct iommu_hw_info_arm_smmuv3");
            ByteBuffer data = ByteBuffer.wrap(info.data()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0, data.getInt(0), "flags");
            for (int i = 0; i < 6; i++) {
                assertEquals(rig.guest.readl(unit.base() + 4L * i), data.getInt(8 + 4 * i), "IDR" + i);
            }
            assertEquals(rig.guest.readl(unit.base() + 0x18), data.getInt(32), "IIDR");
            assertEquals(rig.guest.readl(unit.base() + 0x1C), data.getInt(36), "AIDR");
        }
    }

    @Test
    void theLegacyContainerFlowCarriesDmaThroughTheCompatIoas(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        hostSmmu(rig);
        rig.bindVfio(DMATEST0);
        VplatClient user = target.user("qemu-legacy-arm");
        VfioGroup group = user.openVfioGroup(rig.groupOf(DMATEST0).id());
        LegacyContainerCopy flow = new LegacyContainerCopy(user, group, DMATEST0, GuestRig.pattern(256, 23));

        assertEquals(2, flow.copy(), "RESULT DONE");
        assertArrayEquals(GuestRig.pattern(256, 23), flow.copied());
        assertEquals(2 * 4096, flow.unmapAll());
        assertEquals(3, flow.copy(), "RESULT TRANSLATION_FAULT after UNMAP_DMA");
    }
}
