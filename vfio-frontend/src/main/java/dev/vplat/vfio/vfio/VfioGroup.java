package dev.vplat.vfio.vfio;

import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuGroup;
import dev.vplat.vfio.iommufd.IommufdContext;

import java.util.ArrayList;
import java.util.List;

/**
 * A VFIO group (drivers/vfio/group.c struct vfio_group): the devices of one IOMMU group that are
 * bound to vfio-pci, the node {@code /dev/vfio/<group>}, whether that node is open (one opener;
 * device fds from it keep it open), and the iommufd context its devices use: a legacy container's
 * (whose SET_CONTAINER took the group-exclusive DMA ownership claim, as container.c does) or one
 * the user passed directly (no claim until a device is opened).
 */
final class VfioGroup {
    private final IommuGroup iommuGroup;
    private final List<VfioDevice> devices = new ArrayList<>();
    private int fileRefs;
    private int deviceFds;
    private int cdevBound;
    private IommufdContext iommufd;
    private VfioContainerFile container;
    private boolean ownershipClaimed;

    VfioGroup(IommuGroup iommuGroup) {
        this.iommuGroup = iommuGroup;
    }

    IommuGroup iommuGroup() {
        return iommuGroup;
    }

    String path() {
        return Vfio.GROUP_DIR + iommuGroup.id();
    }

    List<VfioDevice> devices() {
        return devices;
    }

    VfioDevice device(String name) {
        return devices.stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
    }

    /** group->opened_file: the group fd, or a device fd obtained from it, is open. */
    boolean opened() {
        return fileRefs > 0;
    }

    void addFileRef() {
        fileRefs++;
    }

    /** Drops a file reference; the last one is the group file's release (container detached). */
    void dropFileRef(IommuCore core) {
        if (--fileRefs == 0 && iommufd != null) {
            detachIommufd(core);
        }
    }

    int cdevBound() {
        return cdevBound;
    }

    /** vfio_device_block_group / unblock: a cdev bind keeps the group node from being opened. */
    void cdevBind() {
        cdevBound++;
    }

    void cdevUnbind() {
        cdevBound--;
    }

    int deviceFds() {
        return deviceFds;
    }

    void deviceFdOpened() {
        deviceFds++;
    }

    void deviceFdClosed() {
        deviceFds--;
    }

    IommufdContext iommufd() {
        return iommufd;
    }

    VfioContainerFile container() {
        return container;
    }

    /** GROUP_SET_CONTAINER's effect: the context is held until the group leaves it. */
    void attachIommufd(IommufdContext ctx, VfioContainerFile containerFile, boolean claimed) {
        ctx.get();
        this.iommufd = ctx;
        this.container = containerFile;
        this.ownershipClaimed = claimed;
    }

    /** vfio_group_detach_container / iommufd_ctx_put: ownership (if claimed) returns, the context is let go. */
    void detachIommufd(IommuCore core) {
        if (ownershipClaimed) {
            core.groupReleaseDmaOwner(iommuGroup, iommufd);
            ownershipClaimed = false;
        }
        IommufdContext ctx = iommufd;
        iommufd = null;
        container = null;
        ctx.put();
    }

    @Override
    public String toString() {
        return "vfio group " + iommuGroup.id();
    }
}
