package dev.vplat.guest.suites;

import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioDevice;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static dev.vplat.guest.suites.HostRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 4: the seed's DMA-ownership scenarios end to end over the protocol (docs/ownership.md):
 * a device fd opened with access blocked, iommufd bind putting the whole group in the blocking
 * domain, one IOAS shared by several devices, a group's second device bound by the same and by
 * a different iommufd, a DMA-API driver refused in a user-owned group, unbind order, the default
 * domain coming back, and a process that exits while it owns a group.
 */
@GuestSuite
@DisplayName("4 DMA ownership")
public class OwnershipSuite {
    private static int errno(Runnable call) {
        return assertThrows(VplatException.class, call::run).errno();
    }

    @Test
    void anOpenedButUnboundCdevRefusesEverythingButBind(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev = rig.bindVfio(DMATEST0);
        VfioDevice dev = target.user("unbound").openVfioDevice(cdev);

        assertEquals(22, errno(dev::info), "EINVAL until VFIO_DEVICE_BIND_IOMMUFD (device_cdev.c)");
        assertEquals(22, errno(() -> dev.barReadl(0, 0)));
        assertEquals("none", rig.groupOf(DMATEST0).owner(), "opening claims nothing");
    }

    @Test
    void bindingOneDeviceBlocksItsWholeGroup(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev0 = rig.bindVfio(MF0);
        rig.bindVfio(MF1);
        VplatClient user = target.user("binder");
        Iommufd iommufd = user.openIommufd();
        user.openVfioDevice(cdev0).bindIommufd(iommufd);

        MachineInfo.Group g = rig.groupOf(MF0);
        assertTrue(g.devices().contains(MF1));
        assertEquals("user", g.owner());
        assertEquals("blocking", g.domain(), "the sibling's DMA is blocked too");
    }

    @Test
    void twoDevicesShareOneIoasAndBothDmaThroughIt(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        VplatClient user = target.user("shared-ioas");
        Iommufd iommufd = user.openIommufd();
        int ioas = iommufd.ioasAlloc();
        VfioDevice a = user.openVfioDevice(rig.bindVfio(DMATEST0));
        VfioDevice b = user.openVfioDevice(rig.bindVfio(MF0));
        rig.bindVfio(MF1);
        a.bindIommufd(iommufd);
        b.bindIommufd(iommufd);
        a.attach(ioas);
        b.attach(ioas);
        UserBuffer buf = user.mmap(8192);
        long iova = iommufd.map(ioas, buf);
        buf.write(0, GuestRig.pattern(64, 7));

        assertEquals("paging", rig.groupOf(DMATEST0).domain());
        assertEquals("paging", rig.groupOf(MF0).domain());
        a.configWrite(0x04, 2, 0x6);
        b.configWrite(0x04, 2, 0x6);
        assertEquals(Result.DONE, copy(a, iova, iova + 4096, 64));
        assertArrayEquals(GuestRig.pattern(64, 7), buf.read(4096, 64));
        buf.fill(4096, 64, 0);
        assertEquals(Result.DONE, copy(b, iova, iova + 4096, 64));
        assertArrayEquals(GuestRig.pattern(64, 7), buf.read(4096, 64));
    }

    private static Result copy(VfioDevice d, long src, long dst, int len) {
        d.barWriteq(0, 0x08, src);
        d.barWriteq(0, 0x10, dst);
        d.barWritel(0, 0x18, len);
        d.barWritel(0, 0x20, 0);
        d.barWritel(0, 0x38, 1);
        return Result.values()[d.barReadl(0, 0x40)];
    }

    @Test
    void aGroupsSecondDeviceBindsWithTheSameIommufdButNotAnother(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev0 = rig.bindVfio(MF0), cdev1 = rig.bindVfio(MF1);
        VplatClient a = target.user("owner-a"), b = target.user("owner-b");
        Iommufd fdA = a.openIommufd(), fdB = b.openIommufd();
        a.openVfioDevice(cdev0).bindIommufd(fdA);

        assertEquals(1, errno(() -> b.openVfioDevice(cdev1).bindIommufd(fdB)),
                "EPERM: the group is owned by another context (iommu_device_claim_dma_owner)");
        a.openVfioDevice(cdev1).bindIommufd(fdA);
        assertEquals("user", rig.groupOf(MF1).owner());
    }

    @Test
    void aDmaApiDriverCannotProbeIntoAUserOwnedGroup(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev0 = rig.bindVfio(MF0);
        String mf1Driver = rig.function(MF1).driver();
        VplatClient user = target.user("holder");
        rig.rebind(MF1, mf1Driver, null);
        user.openVfioDevice(cdev0).bindIommufd(user.openIommufd());

        assertEquals(16, errno(() -> rig.guest.driverBind(MF1, "dmatest")), "EBUSY: the group is user-owned");
        assertNull(rig.function(MF1).driver(), "the device stays unbound");
        assertEquals("q35", rig.guest.machineInfo().machine(), "the machine keeps serving");
    }

    @Test
    void vfioPciCannotBeUnboundWhileADeviceFdIsOpen(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev = rig.bindVfio(DMATEST0);
        VplatClient user = target.user("fd-holder");
        VfioDevice dev = user.openVfioDevice(cdev);

        assertEquals(16, errno(() -> rig.guest.driverUnbind(DMATEST0)), "EBUSY while the fd is open");
        dev.close();
        rig.guest.driverUnbind(DMATEST0);
        assertNull(rig.function(DMATEST0).driver());
    }

    @Test
    void theLastReleaseReturnsTheGroupToItsDefaultDomain(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev = rig.bindVfio(DMATEST0);
        String before = rig.groupOf(DMATEST0).domain();
        VplatClient user = target.user("releaser");
        Iommufd iommufd = user.openIommufd();
        VfioDevice dev = user.openVfioDevice(cdev);
        dev.bindIommufd(iommufd);
        dev.attach(iommufd.ioasAlloc());
        assertEquals("paging", rig.groupOf(DMATEST0).domain());

        dev.detach();
        assertEquals("blocking", rig.groupOf(DMATEST0).domain(), "detach goes back to blocking, not to the default");
        dev.close();
        assertEquals("none", rig.groupOf(DMATEST0).owner());
        assertEquals(before, rig.groupOf(DMATEST0).domain());
    }

    @Test
    void aProcessThatExitsWhileOwningAGroupReleasesIt(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        String cdev = rig.bindVfio(DMATEST0);
        long pinnedBefore = rig.guest.machineInfo().counter("pinned_pages");
        VplatClient user = target.user("vanishing");
        Iommufd iommufd = user.openIommufd();
        VfioDevice dev = user.openVfioDevice(cdev);
        dev.bindIommufd(iommufd);
        int ioas = iommufd.ioasAlloc();
        dev.attach(ioas);
        iommufd.map(ioas, user.mmap(4 * 4096));
        assertEquals(pinnedBefore + 4, rig.guest.machineInfo().counter("pinned_pages"));

        user.close();

        MachineInfo.Group g = rig.awaitGroupOwner(DMATEST0, "none");
        assertEquals("none", g.owner(), "exit released the claim");
        assertEquals(pinnedBefore, rig.guest.machineInfo().counter("pinned_pages"), "exit unpinned the pages");
    }
}
