package dev.vplat.vfio.vfio;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceDetachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqSet;

/** The calls a user-space driver makes, each as the struct bytes and ioctl the uAPI defines. */
final class UserDriver {
    static final int IRQ_SET_SIZE = Uapi.sizeOf(VfioIrqSet.class);

    private final VfioBed bed;

    UserDriver(VfioBed bed) {
        this.bed = bed;
    }

    /** Moves {@code bdf} to vfio-pci and returns its cdev fd, bound to a fresh iommufd. */
    int boundDevice(String bdf) {
        bed.toVfio(bdf);
        int dev = bed.open(bed.vfio.cdevPath(bdf));
        bind(dev, bed.open(Iommufd.PATH));
        return dev;
    }

    /** VFIO_DEVICE_BIND_IOMMUFD; returns the iommufd device id. */
    int bind(int deviceFd, int iommufd) {
        long a = bed.put(new VfioDeviceBindIommufd(16, 0, iommufd, 0, 0));
        bed.ioctl(deviceFd, VfioIoctl.DEVICE_BIND_IOMMUFD, a);
        return bed.get(VfioDeviceBindIommufd.class, a).outDevid();
    }

    /** IOMMU_IOAS_ALLOC; returns the IOAS id. */
    int ioasAlloc(int iommufd) {
        long a = bed.put(new IommuIoasAlloc(12, 0, 0));
        bed.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, a);
        return bed.get(IommuIoasAlloc.class, a).outIoasId();
    }

    /** IOMMU_IOAS_MAP with a fixed IOVA, readable and writeable. */
    void map(int iommufd, int ioas, long uva, long length, long iova) {
        bed.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, bed.put(new IommuIoasMap(40,
                IommufdIoctl.IOAS_MAP_FIXED_IOVA | IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_WRITEABLE,
                ioas, 0, uva, length, iova)));
    }

    long unmap(int iommufd, int ioas, long iova, long length) {
        long a = bed.put(new IommuIoasUnmap(24, ioas, iova, length));
        bed.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_UNMAP, a);
        return bed.get(IommuIoasUnmap.class, a).length();
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT; returns the HWPT id the kernel wrote back. */
    int attach(int deviceFd, int ptId) {
        long a = bed.put(new VfioDeviceAttachIommufdPt(12, 0, ptId, 0));
        bed.ioctl(deviceFd, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, a);
        return bed.get(VfioDeviceAttachIommufdPt.class, a).ptId();
    }

    void detach(int deviceFd) {
        bed.ioctl(deviceFd, VfioIoctl.DEVICE_DETACH_IOMMUFD_PT, bed.put(new VfioDeviceDetachIommufdPt(8, 0, 0)));
    }

    /** Memory Space and Bus Master enable through the config region. */
    void enableBusMaster(int deviceFd) {
        bed.pwrite(deviceFd, VfioIoctl.PCI_CONFIG_REGION_INDEX, PciConfig.COMMAND, 2,
                PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
    }

    /** SET_IRQS with one eventfd per vector from {@code start}. */
    long setIrqEventfds(int deviceFd, int index, int start, int... fds) {
        byte[] hdr = Uapi.encode(new VfioIrqSet(IRQ_SET_SIZE + 4 * fds.length,
                VfioIoctl.IRQ_SET_DATA_EVENTFD | VfioIoctl.IRQ_SET_ACTION_TRIGGER, index, start, fds.length));
        return bed.ioctl(deviceFd, VfioIoctl.DEVICE_SET_IRQS, bed.put(concat(hdr, VfioBed.ints(fds))));
    }

    /** SET_IRQS with a raw header and data. */
    long setIrqs(int deviceFd, int argsz, int flags, int index, int start, int count, byte[] data) {
        byte[] hdr = Uapi.encode(new VfioIrqSet(argsz, flags, index, start, count));
        return bed.ioctl(deviceFd, VfioIoctl.DEVICE_SET_IRQS, bed.put(concat(hdr, data)));
    }

    /** dmatest: fill {@code length} bytes at {@code iova} with {@code pattern}; returns RESULT. */
    long dmaFill(int deviceFd, long iova, int length, int pattern) {
        bed.pwrite(deviceFd, 0, DmaTestDevice.REG_DST, 8, iova);
        bed.pwrite(deviceFd, 0, DmaTestDevice.REG_LEN, 4, length);
        bed.pwrite(deviceFd, 0, DmaTestDevice.REG_OP, 4, DmaTestDevice.OP_FILL);
        bed.pwrite(deviceFd, 0, DmaTestDevice.REG_PATTERN, 4, pattern & 0xFFFF_FFFFL);
        bed.pwrite(deviceFd, 0, DmaTestDevice.REG_DOORBELL, 4, 1);
        return bed.pread(deviceFd, 0, DmaTestDevice.REG_RESULT, 4);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
