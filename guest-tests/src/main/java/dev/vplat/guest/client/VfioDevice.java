package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;
import dev.vplat.guest.client.uapi.VfioDeviceAttachIommufdPt;
import dev.vplat.guest.client.uapi.VfioDeviceBindIommufd;
import dev.vplat.guest.client.uapi.VfioDeviceDetachIommufdPt;
import dev.vplat.guest.client.uapi.VfioDeviceInfo;
import dev.vplat.guest.client.uapi.VfioIrqInfo;
import dev.vplat.guest.client.uapi.VfioIrqSet;
import dev.vplat.guest.client.uapi.VfioRegionInfo;

import static dev.vplat.guest.client.uapi.VfioIoctl.*;

/**
 * A VFIO device fd: a cdev ({@code /dev/vfio/devices/vfioN}, bind to an iommufd first — every
 * other call is EINVAL until then, drivers/vfio/device_cdev.c) or one obtained from a legacy
 * group with GROUP_GET_DEVICE_FD. Region access uses vfio-pci's {@code index << 40} offsets.
 *
 * <pre>{@code
 * VfioDevice dev = client.openVfioDevice("/dev/vfio/devices/vfio0");
 * int devId = dev.bindIommufd(iommufd);
 * int hwpt = dev.attach(ioas);
 * int vendor = dev.configRead(0x00, 2);
 * }</pre>
 */
public final class VfioDevice extends FileHandle {
    VfioDevice(VplatClient client, int fd) {
        super(client, fd);
    }

    /** VFIO_DEVICE_BIND_IOMMUFD; the iommufd device object id (out_devid). */
    public int bindIommufd(Iommufd iommufd) {
        return VfioDeviceBindIommufd.decode(ioctl(VFIO_DEVICE_BIND_IOMMUFD,
                new VfioDeviceBindIommufd(0, iommufd.fd(), 0))).outDevid();
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS or HWPT (a second call replaces); the HWPT id attached. */
    public int attach(int ptId) {
        return VfioDeviceAttachIommufdPt.decode(ioctl(VFIO_DEVICE_ATTACH_IOMMUFD_PT,
                new VfioDeviceAttachIommufdPt(0, ptId))).ptId();
    }

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT: DMA is blocked again. */
    public void detach() {
        ioctl(VFIO_DEVICE_DETACH_IOMMUFD_PT, new VfioDeviceDetachIommufdPt(0));
    }

    public VfioDeviceInfo info() {
        return VfioDeviceInfo.decode(ioctl(VFIO_DEVICE_GET_INFO, new VfioDeviceInfo(0, 0, 0, 0)));
    }

    public VfioRegionInfo regionInfo(int index) {
        return VfioRegionInfo.decode(ioctl(VFIO_DEVICE_GET_REGION_INFO, new VfioRegionInfo(0, index, 0, 0, 0)));
    }

    public VfioIrqInfo irqInfo(int index) {
        return VfioIrqInfo.decode(ioctl(VFIO_DEVICE_GET_IRQ_INFO, new VfioIrqInfo(0, index, 0)));
    }

    /** VFIO_DEVICE_SET_IRQS with a prepared {@link VfioIrqSet} (eventfds, disable, trigger). */
    public void setIrqs(VfioIrqSet set) {
        ioctl(VFIO_DEVICE_SET_IRQS, set);
    }

    /** VFIO_DEVICE_RESET (EINVAL if the device cannot reset). */
    public void reset() {
        ioctl(VFIO_DEVICE_RESET, 0L);
    }

    /** pread of {@code size} bytes at {@code offset} in region {@code index}. */
    public byte[] regionRead(int index, long offset, int size) {
        return client.pread(fd, size, regionOffset(index, offset));
    }

    /** pwrite at {@code offset} in region {@code index}; the byte count written. */
    public int regionWrite(int index, long offset, byte[] data) {
        return client.pwrite(fd, regionOffset(index, offset), data);
    }

    public void regionWrite(int index, long offset, int width, long value) {
        regionWrite(index, offset, new LeWriter(width).uint(width, value).toBytes());
    }

    /** Reads {@code width} bytes of config space through the CONFIG region (as vfio-pci virtualises it). */
    public int configRead(int offset, int width) {
        return (int) LeReader.value(regionRead(VFIO_PCI_CONFIG_REGION_INDEX, offset, width));
    }

    public void configWrite(int offset, int width, int value) {
        regionWrite(VFIO_PCI_CONFIG_REGION_INDEX, offset, width, value);
    }

    public int barReadl(int bar, long offset) {
        return (int) LeReader.value(regionRead(bar, offset, 4));
    }

    public void barWritel(int bar, long offset, int value) {
        regionWrite(bar, offset, 4, value);
    }

    public long barReadq(int bar, long offset) {
        return LeReader.value(regionRead(bar, offset, 8));
    }

    public void barWriteq(int bar, long offset, long value) {
        regionWrite(bar, offset, 8, value);
    }
}
