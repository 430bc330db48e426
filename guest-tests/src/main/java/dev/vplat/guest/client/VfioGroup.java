package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeWriter;
import dev.vplat.vfio.uapi.VfioStructs.VfioGroupStatus;

import java.nio.charset.StandardCharsets;

import static dev.vplat.vfio.uapi.Uapi.sizeOf;
import static dev.vplat.vfio.uapi.VfioIoctl.*;

/**
 * A legacy VFIO group {@code /dev/vfio/GROUP} (drivers/vfio/group.c). Pointer arguments
 * (SET_CONTAINER's {@code int *}, GET_DEVICE_FD's name string) travel as inline structs: the
 * server copies them into the session's memory and passes their address, as the C call would.
 */
public final class VfioGroup extends FileHandle {
    VfioGroup(VplatClient client, int fd) {
        super(client, fd);
    }

    /** VFIO_GROUP_GET_STATUS (VIABLE, CONTAINER_SET). */
    public VfioGroupStatus status() {
        return ioctl(GROUP_GET_STATUS, new VfioGroupStatus(sizeOf(VfioGroupStatus.class), 0));
    }

    /** GROUP_SET_CONTAINER with a container (or an iommufd, for iommufd's compat mode). */
    public void setContainer(FileHandle containerOrIommufd) {
        client.ioctl(fd, GROUP_SET_CONTAINER, new LeWriter(4).u32(containerOrIommufd.fd()).toBytes());
    }

    public void unsetContainer() {
        ioctl(GROUP_UNSET_CONTAINER, 0L);
    }

    /** VFIO_GROUP_GET_DEVICE_FD for a device of the group by name ("0000:00:03.0"). */
    public VfioDevice deviceFd(String name) {
        byte[] cString = new LeWriter().bytes(name.getBytes(StandardCharsets.UTF_8)).u8(0).toBytes();
        int deviceFd = client.ioctl(fd, GROUP_GET_DEVICE_FD, cString).result();
        return new VfioDevice(client, deviceFd);
    }
}
