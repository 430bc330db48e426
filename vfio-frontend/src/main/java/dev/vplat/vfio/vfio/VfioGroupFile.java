package dev.vplat.vfio.vfio;

import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.iommufd.IommufdContext;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.kernel.UserMemory;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioGroupStatus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An open {@code /dev/vfio/<group>}: the group ioctls of drivers/vfio/group.c, in the kernel's check order. */
final class VfioGroupFile implements OpenFile {
    private static final int STATUS_MINSZ = Uapi.offsetOfEnd(VfioGroupStatus.class, "flags");

    private final Vfio vfio;
    private final VfioGroup group;

    VfioGroupFile(Vfio vfio, VfioGroup group) {
        this.vfio = vfio;
        this.group = group;
    }

    @Override
    public String name() {
        return group.path();
    }

    @Override
    public long ioctl(Process process, int request, long arg) {
        if (request == VfioIoctl.GROUP_GET_STATUS) {
            return getStatus(new UserStruct(process, arg));
        }
        if (request == VfioIoctl.GROUP_SET_CONTAINER) {
            return setContainer(process, arg);
        }
        if (request == VfioIoctl.GROUP_UNSET_CONTAINER) {
            return unsetContainer();
        }
        if (request == VfioIoctl.GROUP_GET_DEVICE_FD) {
            return getDeviceFd(process, arg);
        }
        throw new ErrnoException(Errno.ENOTTY, name() + ": inappropriate ioctl 0x" + Integer.toHexString(request));
    }

    /**
     * vfio_group_ioctl_get_status: with a container or iommufd set, VIABLE|CONTAINER_SET;
     * otherwise VIABLE iff no kernel driver or other owner uses the IOMMU group.
     */
    private long getStatus(UserStruct u) {
        VfioGroupStatus s = u.read(VfioGroupStatus.class, STATUS_MINSZ);
        u.requireArgsz(s.argsz(), STATUS_MINSZ);
        int flags;
        if (group.iommufd() != null) {
            flags = VfioIoctl.GROUP_FLAGS_VIABLE | VfioIoctl.GROUP_FLAGS_CONTAINER_SET;
        } else {
            flags = group.iommuGroup().dmaOwnerClaimed() ? 0 : VfioIoctl.GROUP_FLAGS_VIABLE;
        }
        u.respond(STATUS_MINSZ, new VfioGroupStatus(s.argsz(), flags));
        return 0;
    }

    /**
     * vfio_group_ioctl_set_container: the argument points to an fd. A {@code /dev/vfio/vfio}
     * container claims the group's DMA ownership at once (exclusive group claim: EPERM while a
     * kernel driver uses the group, EBUSY with a private domain); a plain iommufd defers the
     * claim to the first device open. Either way the context's compatibility IOAS is made if
     * it has none. Already set → EINVAL; any other file → EBADFD.
     */
    private long setContainer(Process process, long arg) {
        int fd = ByteBuffer.wrap(process.memory().read(arg, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        OpenFile file = process.file(fd);
        if (group.iommufd() != null) {
            throw new ErrnoException(Errno.EINVAL, group + " already has a container");
        }
        if (file instanceof VfioContainerFile container) {
            IommufdContext ctx = container.context();
            vfio.iommuCore().groupClaimDmaOwner(group.iommuGroup(), ctx);
            ctx.compatIoasCreate();
            group.attachIommufd(ctx, container, true);
            return 0;
        }
        IommufdContext ctx = Iommufd.contextOf(file);
        ctx.compatIoasCreate();
        group.attachIommufd(ctx, null, false);
        return 0;
    }

    /** vfio_group_ioctl_unset_container: EINVAL without one; a container with device fds open is EBUSY. */
    private long unsetContainer() {
        if (group.iommufd() == null) {
            throw new ErrnoException(Errno.EINVAL, group + " has no container");
        }
        if (group.container() != null && group.deviceFds() > 0) {
            throw new ErrnoException(Errno.EBUSY, group + " still has " + group.deviceFds() + " device fd(s) open");
        }
        group.detachIommufd(vfio.iommuCore());
        return 0;
    }

    /**
     * vfio_group_ioctl_get_device_fd: the argument is the device name ("0000:00:03.0"). Unknown
     * name → ENODEV; no container → EINVAL; a container before SET_IOMMU → EINVAL. The first open
     * binds the device to the group's iommufd context (EPERM/EBUSY from ownership) and attaches it
     * to the compatibility IOAS; later opens share it. Returns the new fd.
     */
    private long getDeviceFd(Process process, long arg) {
        String name = readString(process.memory(), arg);
        VfioDevice device = group.device(name);
        if (device == null) {
            throw new ErrnoException(Errno.ENODEV, "no device " + name + " in " + group);
        }
        IommufdContext ctx = group.iommufd();
        if (ctx == null) {
            throw new ErrnoException(Errno.EINVAL, group + " has no container");
        }
        if (group.container() != null && !group.container().iommuSet()) {
            throw new ErrnoException(Errno.EINVAL, "the container's IOMMU type is not set (VFIO_SET_IOMMU)");
        }
        if (device.openCount() == 0) {
            device.firstOpen(ctx);
            try {
                if (ctx.compatIoas() == null) {
                    throw new ErrnoException(Errno.ENODEV, "the iommufd has no VFIO compatibility IOAS");
                }
                device.iommufdDevice().attach(ctx.compatIoas().id());
            } catch (RuntimeException e) {
                device.close();
                throw e;
            }
        } else {
            device.reopen();
        }
        VfioDeviceFile file = new VfioDeviceFile(vfio, device, this);
        group.addFileRef();
        group.deviceFdOpened();
        try {
            return process.install(file);
        } catch (ErrnoException e) {
            file.release(process);
            throw e;
        }
    }

    /** strndup_user(arg, PAGE_SIZE): EFAULT on a bad pointer, EINVAL without a NUL within a page. */
    private static String readString(UserMemory mem, long arg) {
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < UserMemory.PAGE_SIZE; i++) {
            byte b = mem.read(arg + i, 1)[0];
            if (b == 0) {
                return sb.toString();
            }
            sb.append((char) (b & 0xFF));
        }
        throw new ErrnoException(Errno.EINVAL, "device name longer than a page");
    }

    VfioGroup group() {
        return group;
    }

    @Override
    public void release(Process process) {
        vfio.groupFileReleased(group);
    }
}
