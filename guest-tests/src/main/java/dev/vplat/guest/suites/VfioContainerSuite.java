package dev.vplat.guest.suites;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.VfioContainer;
import dev.vplat.guest.client.VfioGroup;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.vfio.uapi.VfioIoctl;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.vplat.guest.suites.HostRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 6: the legacy VFIO path QEMU used before iommufd (drivers/vfio/container.c, group.c,
 * vfio_iommu_type1.c semantics): container API version and extensions, group viability, setting
 * the container and the type1v2 IOMMU, a device fd from the group, MAP_DMA/UNMAP_DMA and DMA
 * through the mapping.
 */
@GuestSuite
@DisplayName("6 VFIO legacy container")
public class VfioContainerSuite {
    private static int groupId(HostRig rig, String bdf) {
        return rig.groupOf(bdf).id();
    }

    @Test
    void theContainerReportsApiVersion0AndType1v2(SuiteTarget target) {
        new HostRig(target);
        VfioContainer container = target.user("container").openVfioContainer();
        assertEquals(VfioIoctl.API_VERSION, container.apiVersion());
        assertEquals(1, container.checkExtension(VfioIoctl.TYPE1V2_IOMMU));
    }

    @Test
    void aGroupWithADeviceStillOnItsHostDriverIsNotViable(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        rig.bindVfio(MF0);
        MachineInfo.PciFunction mf1 = rig.function(MF1);
        assertNotEquals("vfio-pci", mf1.driver(), "precondition: mf1 keeps its DMA-API driver");
        VfioGroup group = target.user("viability").openVfioGroup(groupId(rig, MF0));
        assertEquals(0, group.status().flags() & VfioIoctl.GROUP_FLAGS_VIABLE);
    }

    @Test
    void type1v2MappingCarriesDeviceDmaIntoProcessMemory(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        rig.bindVfio(DMATEST0);
        VplatClient user = target.user("qemu-legacy");
        VfioGroup group = user.openVfioGroup(groupId(rig, DMATEST0));
        assertEquals(VfioIoctl.GROUP_FLAGS_VIABLE, group.status().flags() & VfioIoctl.GROUP_FLAGS_VIABLE);
        LegacyContainerCopy flow = new LegacyContainerCopy(user, group, DMATEST0, GuestRig.pattern(256, 13));

        assertEquals(2, flow.copy(), "RESULT DONE");
        assertArrayEquals(GuestRig.pattern(256, 13), flow.copied());
        assertEquals(2 * 4096, flow.unmapAll());
    }

    @Test
    void setIommuBeforeAnyGroupIsEnodev(SuiteTarget target) {
        new HostRig(target);
        VfioContainer container = target.user("early").openVfioContainer();
        VplatException e = assertThrows(VplatException.class, () -> container.setIommu(VfioIoctl.TYPE1V2_IOMMU));
        // /dev/vfio/vfio is iommufd's VFIO compatibility container (CONFIG_IOMMUFD_VFIO_CONTAINER):
        // without a group there is no compat IOAS yet, and vfio_compat.c answers ENODEV (the
        // legacy container.c would answer EINVAL).
        assertEquals(19, e.errno(), "iommufd vfio_compat.c: no compat IOAS yet");
    }

    @Test
    void aSecondContainerCannotTakeAGroupAlreadyInOne(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        rig.bindVfio(DMATEST0);
        VplatClient user = target.user("two-containers");
        VfioGroup group = user.openVfioGroup(groupId(rig, DMATEST0));
        group.setContainer(user.openVfioContainer());
        VplatException e = assertThrows(VplatException.class, () -> group.setContainer(user.openVfioContainer()));
        assertEquals(22, e.errno(), "group.c vfio_group_ioctl_set_container: EINVAL when already set");
    }
}
