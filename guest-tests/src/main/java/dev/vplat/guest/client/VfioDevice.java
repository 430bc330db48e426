package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceDetachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqSet;
import dev.vplat.vfio.uapi.VfioStructs.VfioRegionInfo;

import java.util.Arrays;

import static dev.vplat.vfio.uapi.Uapi.offsetOfEnd;
import static dev.vplat.vfio.uapi.Uapi.sizeOf;
import static dev.vplat.vfio.uapi.VfioIoctl.*;

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
    /*
     * BIND and ATTACH/DETACH go out at their first (6.6) minsz, without the later token and
     * PASID members, so they work with every kernel that has the cdev.
     */
    private static final int BIND_MINSZ = offsetOfEnd(VfioDeviceBindIommufd.class, "outDevid");
    private static final int ATTACH_MINSZ = offsetOfEnd(VfioDeviceAttachIommufdPt.class, "ptId");
    private static final int DETACH_MINSZ = offsetOfEnd(VfioDeviceDetachIommufdPt.class, "flags");
    private static final int IRQ_SET_SIZE = sizeOf(VfioIrqSet.class);

    VfioDevice(VplatClient client, int fd) {
        super(client, fd);
    }

    /** VFIO_DEVICE_BIND_IOMMUFD; the iommufd device object id (out_devid). */
    public int bindIommufd(Iommufd iommufd) {
        return ioctl(DEVICE_BIND_IOMMUFD, new VfioDeviceBindIommufd(BIND_MINSZ, 0, iommufd.fd(), 0, 0), BIND_MINSZ)
                .outDevid();
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS or HWPT (a second call replaces); the HWPT id attached. */
    public int attach(int ptId) {
        return ioctl(DEVICE_ATTACH_IOMMUFD_PT, new VfioDeviceAttachIommufdPt(ATTACH_MINSZ, 0, ptId, 0), ATTACH_MINSZ)
                .ptId();
    }

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT: DMA is blocked again. */
    public void detach() {
        ioctl(DEVICE_DETACH_IOMMUFD_PT, new VfioDeviceDetachIommufdPt(DETACH_MINSZ, 0, 0), DETACH_MINSZ);
    }

    public VfioDeviceInfo info() {
        return ioctl(DEVICE_GET_INFO, new VfioDeviceInfo(sizeOf(VfioDeviceInfo.class), 0, 0, 0, 0, 0));
    }

    public VfioRegionInfo regionInfo(int index) {
        return ioctl(DEVICE_GET_REGION_INFO, new VfioRegionInfo(sizeOf(VfioRegionInfo.class), 0, index, 0, 0, 0));
    }

    public VfioIrqInfo irqInfo(int index) {
        return ioctl(DEVICE_GET_IRQ_INFO, new VfioIrqInfo(sizeOf(VfioIrqInfo.class), 0, index, 0));
    }

    /**
     * VFIO_DEVICE_SET_IRQS on vectors {@code start..start+count-1} of {@code index}: {@code flags}
     * is one IRQ_SET_DATA_* and one IRQ_SET_ACTION_*, {@code data} the {@code data[]} tail —
     * nothing (DATA_NONE), one u8 per vector (DATA_BOOL) or one s32 eventfd per vector
     * (DATA_EVENTFD, −1 de-assigns). argsz covers the header and the data.
     */
    public void setIrqs(int flags, int index, int start, int count, byte[] data) {
        int argsz = IRQ_SET_SIZE + data.length;
        byte[] arg = Arrays.copyOf(Uapi.encode(new VfioIrqSet(argsz, flags, index, start, count)), argsz);
        System.arraycopy(data, 0, arg, IRQ_SET_SIZE, data.length);
        client.ioctl(fd, DEVICE_SET_IRQS, arg);
    }

    /** Wires vectors {@code start..} of {@code index} to these eventfds (−1 de-assigns). */
    public void setIrqEventfds(int index, int start, int... eventfds) {
        LeWriter data = new LeWriter(4 * eventfds.length);
        for (int eventfd : eventfds) {
            data.u32(eventfd);
        }
        setIrqs(IRQ_SET_DATA_EVENTFD | IRQ_SET_ACTION_TRIGGER, index, start, eventfds.length, data.toBytes());
    }

    /** Disables every vector of {@code index} (DATA_NONE | ACTION_TRIGGER with count 0). */
    public void disableIrqs(int index) {
        setIrqs(IRQ_SET_DATA_NONE | IRQ_SET_ACTION_TRIGGER, index, 0, 0, new byte[0]);
    }

    /** VFIO_DEVICE_RESET (EINVAL if the device cannot reset). */
    public void reset() {
        ioctl(DEVICE_RESET, 0L);
    }

    /** pread of {@code size} bytes at {@code offset} in region {@code index}. */
    public byte[] regionRead(int index, long offset, int size) {
        return client.pread(fd, size, regionOffset(index) + offset);
    }

    /** pwrite at {@code offset} in region {@code index}; the byte count written. */
    public int regionWrite(int index, long offset, byte[] data) {
        return client.pwrite(fd, regionOffset(index) + offset, data);
    }

    public void regionWrite(int index, long offset, int width, long value) {
        regionWrite(index, offset, new LeWriter(width).uint(width, value).toBytes());
    }

    /** Reads {@code width} bytes of config space through the CONFIG region (as vfio-pci virtualises it). */
    public int configRead(int offset, int width) {
        return (int) LeReader.value(regionRead(PCI_CONFIG_REGION_INDEX, offset, width));
    }

    public void configWrite(int offset, int width, int value) {
        regionWrite(PCI_CONFIG_REGION_INDEX, offset, width, value);
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
