package dev.vplat.vfio.vfio;

import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.iommufd.IommufdContext;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.VfioIoctl;

/**
 * An open {@code /dev/vfio/vfio}: a legacy container provided by iommufd, as with
 * CONFIG_IOMMUFD_VFIO_CONTAINER. It is an iommufd context underneath, so every ioctl (the type1
 * container ones of vfio_compat.c and the native iommufd ones) goes to that context; the
 * container remembers only whether SET_IOMMU succeeded, which GET_DEVICE_FD requires as
 * vfio_group_use_container does.
 */
final class VfioContainerFile implements OpenFile {
    private final OpenFile iommufd;
    private final IommufdContext ctx;
    private boolean iommuSet;

    VfioContainerFile(OpenFile iommufd) {
        this.iommufd = iommufd;
        this.ctx = Iommufd.contextOf(iommufd);
    }

    IommufdContext context() {
        return ctx;
    }

    boolean iommuSet() {
        return iommuSet;
    }

    @Override
    public String name() {
        return Vfio.CONTAINER_PATH;
    }

    @Override
    public long ioctl(Process process, int request, long arg) {
        long r = iommufd.ioctl(process, request, arg);
        if (request == VfioIoctl.SET_IOMMU) {
            iommuSet = true;
        }
        return r;
    }

    @Override
    public void release(Process process) {
        iommufd.release(process);
    }
}
