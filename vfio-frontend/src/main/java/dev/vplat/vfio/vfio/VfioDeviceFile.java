package dev.vplat.vfio.vfio;

import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.iommufd.IommufdContext;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceDetachIommufdPt;

/**
 * A device file (drivers/vfio/vfio_main.c struct vfio_device_file): either an open
 * {@code /dev/vfio/devices/vfioN} (cdev), which has no access until BIND_IOMMUFD succeeds, or a
 * device fd from GROUP_GET_DEVICE_FD, which has access from the start. Without access every
 * ioctl but BIND_IOMMUFD, and every read and write, is EINVAL. ATTACH/DETACH_IOMMUFD_PT exist on
 * cdev files only; everything else goes to vfio-pci.
 */
final class VfioDeviceFile implements OpenFile {
    private static final int BIND_MINSZ = Uapi.offsetOfEnd(VfioDeviceBindIommufd.class, "outDevid");
    private static final int BIND_TOKEN_END = Uapi.offsetOfEnd(VfioDeviceBindIommufd.class, "tokenUuidPtr");
    private static final int ATTACH_MINSZ = Uapi.offsetOfEnd(VfioDeviceAttachIommufdPt.class, "ptId");
    private static final int DETACH_MINSZ = Uapi.offsetOfEnd(VfioDeviceDetachIommufdPt.class, "flags");

    private final Vfio vfio;
    private final VfioDevice device;
    /** The group file it came from, or null for a cdev file. */
    private final VfioGroupFile groupFile;
    private boolean accessGranted;
    private boolean released;

    VfioDeviceFile(Vfio vfio, VfioDevice device, VfioGroupFile groupFile) {
        this.vfio = vfio;
        this.device = device;
        this.groupFile = groupFile;
        this.accessGranted = groupFile != null;
        device.files().add(this);
    }

    @Override
    public String name() {
        return groupFile == null ? device.cdevPath() : "anon_inode:[vfio-device]";
    }

    boolean accessGranted() {
        return accessGranted;
    }

    @Override
    public long ioctl(Process process, int request, long arg) {
        if (request == VfioIoctl.DEVICE_BIND_IOMMUFD) {
            return bind(process, new UserStruct(process, arg), arg);
        }
        requireAccess();
        if (groupFile == null && request == VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT) {
            return attach(new UserStruct(process, arg));
        }
        if (groupFile == null && request == VfioIoctl.DEVICE_DETACH_IOMMUFD_PT) {
            return detach(new UserStruct(process, arg));
        }
        return device.pci().ioctl(process, request, arg);
    }

    private void requireAccess() {
        if (!accessGranted) {
            throw new ErrnoException(Errno.EINVAL, device.cdevPath() + " is not bound to an iommufd (VFIO_DEVICE_BIND_IOMMUFD first)");
        }
    }

    /**
     * vfio_df_ioctl_bind_iommufd, checks in the kernel's order: argsz/flags/iommufd (EINVAL), a VF
     * token (EINVAL: not an SR-IOV function), group-path fd (EINVAL), the group node open (EBUSY),
     * this file already bound (EINVAL), the iommufd fd (EBADF, EBADFD), the device opened by
     * another file (EINVAL), then the bind itself (ownership: EPERM/EBUSY), the device open and
     * the copy of out_devid (EFAULT, everything undone).
     */
    private long bind(Process process, UserStruct u, long arg) {
        VfioDeviceBindIommufd b = u.read(VfioDeviceBindIommufd.class, BIND_MINSZ);
        if (Integer.toUnsignedLong(b.argsz()) < BIND_MINSZ || (b.flags() & ~VfioIoctl.DEVICE_BIND_FLAG_TOKEN) != 0
                || b.iommufd() < 0) {
            throw new ErrnoException(Errno.EINVAL, "BIND_IOMMUFD: bad argsz, flags or iommufd");
        }
        if ((b.flags() & VfioIoctl.DEVICE_BIND_FLAG_TOKEN) != 0) {
            if (Integer.toUnsignedLong(b.argsz()) < BIND_TOKEN_END) {
                throw new ErrnoException(Errno.EINVAL, "BIND_FLAG_TOKEN needs token_uuid_ptr");
            }
            VfioDeviceBindIommufd full = u.read(VfioDeviceBindIommufd.class, BIND_TOKEN_END);
            process.memory().read(full.tokenUuidPtr(), 16);
            throw new ErrnoException(Errno.EINVAL, "VF token incorrectly provided: " + device.name() + " is not a PF or VF");
        }
        if (groupFile != null) {
            throw new ErrnoException(Errno.EINVAL, "BIND_IOMMUFD is for cdev fds only");
        }
        VfioGroup group = device.group();
        if (group.opened()) {
            throw new ErrnoException(Errno.EBUSY, group.path() + " is open: the device is used through the legacy group");
        }
        if (accessGranted) {
            throw new ErrnoException(Errno.EINVAL, device.cdevPath() + " is already bound");
        }
        IommufdContext ctx = Iommufd.contextOf(process.file(b.iommufd()));
        if (device.openCount() != 0) {
            throw new ErrnoException(Errno.EINVAL, device + " is already opened through another file");
        }
        group.cdevBind();
        try {
            device.firstOpen(ctx);
        } catch (RuntimeException e) {
            group.cdevUnbind();
            throw e;
        }
        try {
            process.memory().write(arg + Uapi.offsetOf(VfioDeviceBindIommufd.class, "outDevid"),
                    le32(device.iommufdDevice().id()));
        } catch (ErrnoException e) {
            device.close();
            group.cdevUnbind();
            throw e;
        }
        accessGranted = true;
        return 0;
    }

    /** vfio_df_ioctl_attach_pt: IOAS or HWPT id in, the attached HWPT id out; attaching again replaces. */
    private long attach(UserStruct u) {
        VfioDeviceAttachIommufdPt a = u.read(VfioDeviceAttachIommufdPt.class, ATTACH_MINSZ);
        u.requireArgsz(a.argsz(), ATTACH_MINSZ);
        if ((a.flags() & ~VfioIoctl.DEVICE_ATTACH_PASID) != 0) {
            throw new ErrnoException(Errno.EINVAL, "ATTACH_IOMMUFD_PT: unknown flags");
        }
        if ((a.flags() & VfioIoctl.DEVICE_ATTACH_PASID) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "PASID attach is not supported by this vfio-pci");
        }
        int hwpt = device.iommufdDevice().attach(a.ptId());
        try {
            u.writeAt(Uapi.offsetOf(VfioDeviceAttachIommufdPt.class, "ptId"), le32(hwpt));
        } catch (ErrnoException e) {
            device.iommufdDevice().detach();
            throw e;
        }
        return 0;
    }

    /** vfio_df_ioctl_detach_pt: back to blocked DMA; not attached is a silent success. */
    private long detach(UserStruct u) {
        VfioDeviceDetachIommufdPt d = u.read(VfioDeviceDetachIommufdPt.class, DETACH_MINSZ);
        u.requireArgsz(d.argsz(), DETACH_MINSZ);
        if ((d.flags() & ~VfioIoctl.DEVICE_DETACH_PASID) != 0) {
            throw new ErrnoException(Errno.EINVAL, "DETACH_IOMMUFD_PT: unknown flags");
        }
        if ((d.flags() & VfioIoctl.DEVICE_DETACH_PASID) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "PASID detach is not supported by this vfio-pci");
        }
        device.iommufdDevice().detach();
        return 0;
    }

    @Override
    public byte[] pread(Process process, int size, long offset) {
        requireAccess();
        return device.pci().read(offset, size);
    }

    @Override
    public int pwrite(Process process, byte[] data, long offset) {
        requireAccess();
        return device.pci().write(offset, data);
    }

    /** vfio_device_fops_release: an accessed file closes the device (last close unbinds from iommufd). */
    @Override
    public void release(Process process) {
        if (released) {
            return;
        }
        released = true;
        device.files().remove(this);
        if (!accessGranted) {
            return;
        }
        device.close();
        if (groupFile == null) {
            device.group().cdevUnbind();
        } else {
            device.group().deviceFdClosed();
            vfio.groupFileReleased(device.group());
        }
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
