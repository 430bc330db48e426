package dev.vplat.vfio.testing;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.devices.DmaTestDevice;
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

/**
 * The calls a DPDK-style user-space driver makes, each as the struct bytes and ioctl the uAPI
 * defines, on any machine's {@link UserProcessCalls}.
 */
public class UserDriverCalls {
    public static final int IRQ_SET_SIZE = Uapi.sizeOf(VfioIrqSet.class);

    private final UserProcessCalls sys;

    public UserDriverCalls(UserProcessCalls sys) {
        this.sys = sys;
    }

    /** VFIO_DEVICE_BIND_IOMMUFD; returns the iommufd device id. */
    public int bind(int deviceFd, int iommufd) {
        long a = sys.put(new VfioDeviceBindIommufd(16, 0, iommufd, 0, 0));
        sys.ioctl(deviceFd, VfioIoctl.DEVICE_BIND_IOMMUFD, a);
        return sys.get(VfioDeviceBindIommufd.class, a).outDevid();
    }

    /** IOMMU_IOAS_ALLOC; returns the IOAS id. */
    public int ioasAlloc(int iommufd) {
        long a = sys.put(new IommuIoasAlloc(12, 0, 0));
        sys.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, a);
        return sys.get(IommuIoasAlloc.class, a).outIoasId();
    }

    /** IOMMU_IOAS_MAP with a fixed IOVA, readable and writeable. */
    public void map(int iommufd, int ioas, long uva, long length, long iova) {
        sys.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, sys.put(new IommuIoasMap(40,
                IommufdIoctl.IOAS_MAP_FIXED_IOVA | IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_WRITEABLE,
                ioas, 0, uva, length, iova)));
    }

    public long unmap(int iommufd, int ioas, long iova, long length) {
        long a = sys.put(new IommuIoasUnmap(24, ioas, iova, length));
        sys.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_UNMAP, a);
        return sys.get(IommuIoasUnmap.class, a).length();
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT; returns the HWPT id the kernel wrote back. */
    public int attach(int deviceFd, int ptId) {
        long a = sys.put(new VfioDeviceAttachIommufdPt(12, 0, ptId, 0));
        sys.ioctl(deviceFd, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, a);
        return sys.get(VfioDeviceAttachIommufdPt.class, a).ptId();
    }

    public void detach(int deviceFd) {
        sys.ioctl(deviceFd, VfioIoctl.DEVICE_DETACH_IOMMUFD_PT, sys.put(new VfioDeviceDetachIommufdPt(8, 0, 0)));
    }

    /** Memory Space and Bus Master enable through the config region. */
    public void enableBusMaster(int deviceFd) {
        sys.pwrite(deviceFd, VfioIoctl.PCI_CONFIG_REGION_INDEX, PciConfig.COMMAND, 2,
                PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
    }

    /** SET_IRQS with one eventfd per vector from {@code start}. */
    public long setIrqEventfds(int deviceFd, int index, int start, int... fds) {
        byte[] hdr = Uapi.encode(new VfioIrqSet(IRQ_SET_SIZE + 4 * fds.length,
                VfioIoctl.IRQ_SET_DATA_EVENTFD | VfioIoctl.IRQ_SET_ACTION_TRIGGER, index, start, fds.length));
        return sys.ioctl(deviceFd, VfioIoctl.DEVICE_SET_IRQS, sys.put(concat(hdr, UserProcessCalls.ints(fds))));
    }

    /** SET_IRQS with a raw header and data. */
    public long setIrqs(int deviceFd, int argsz, int flags, int index, int start, int count, byte[] data) {
        byte[] hdr = Uapi.encode(new VfioIrqSet(argsz, flags, index, start, count));
        return sys.ioctl(deviceFd, VfioIoctl.DEVICE_SET_IRQS, sys.put(concat(hdr, data)));
    }

    /** dmatest: fill {@code length} bytes at {@code iova} with {@code pattern}; returns RESULT. */
    public long dmaFill(int deviceFd, long iova, int length, int pattern) {
        sys.pwrite(deviceFd, 0, DmaTestDevice.REG_DST, 8, iova);
        sys.pwrite(deviceFd, 0, DmaTestDevice.REG_LEN, 4, length);
        sys.pwrite(deviceFd, 0, DmaTestDevice.REG_OP, 4, DmaTestDevice.OP_FILL);
        sys.pwrite(deviceFd, 0, DmaTestDevice.REG_PATTERN, 4, pattern & 0xFFFF_FFFFL);
        sys.pwrite(deviceFd, 0, DmaTestDevice.REG_DOORBELL, 4, 1);
        return sys.pread(deviceFd, 0, DmaTestDevice.REG_RESULT, 4);
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
