package dev.vplat.vfio.virt;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaMap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaUnmap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqSet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The calls a DPDK-style user driver makes on {@link VirtHost}, each as its uAPI struct and ioctl. */
final class VirtUserDriver {
    private final VirtHost host;

    VirtUserDriver(VirtHost host) {
        this.host = host;
    }

    int bind(int deviceFd, int iommufd) {
        long a = host.put(new VfioDeviceBindIommufd(16, 0, iommufd, 0, 0));
        host.ioctl(deviceFd, VfioIoctl.DEVICE_BIND_IOMMUFD, a);
        return host.get(VfioDeviceBindIommufd.class, a).outDevid();
    }

    int ioasAlloc(int iommufd) {
        long a = host.put(new IommuIoasAlloc(12, 0, 0));
        host.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_ALLOC, a);
        return host.get(IommuIoasAlloc.class, a).outIoasId();
    }

    void map(int iommufd, int ioas, long uva, long length, long iova) {
        host.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_MAP, host.put(new IommuIoasMap(40,
                IommufdIoctl.IOAS_MAP_FIXED_IOVA | IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_WRITEABLE,
                ioas, 0, uva, length, iova)));
    }

    long unmap(int iommufd, int ioas, long iova, long length) {
        long a = host.put(new IommuIoasUnmap(24, ioas, iova, length));
        host.ioctl(iommufd, IommufdIoctl.IOMMU_IOAS_UNMAP, a);
        return host.get(IommuIoasUnmap.class, a).length();
    }

    int attach(int deviceFd, int ptId) {
        long a = host.put(new VfioDeviceAttachIommufdPt(12, 0, ptId, 0));
        host.ioctl(deviceFd, VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, a);
        return host.get(VfioDeviceAttachIommufdPt.class, a).ptId();
    }

    /** IOMMU_GET_HW_INFO with a 64-byte data buffer; the header as the kernel filled it and the data bytes. */
    HwInfo hwInfo(int iommufd, int devId) {
        long data = host.mmap(64);
        long a = host.put(new IommuHwInfo(Uapi.sizeOf(IommuHwInfo.class), 0, devId, 64, data, 0, (byte) 0, new byte[3], 0));
        host.ioctl(iommufd, IommufdIoctl.IOMMU_GET_HW_INFO, a);
        IommuHwInfo info = host.get(IommuHwInfo.class, a);
        return new HwInfo(info, ByteBuffer.wrap(host.read(data, info.dataLen())).order(ByteOrder.LITTLE_ENDIAN));
    }

    record HwInfo(IommuHwInfo header, ByteBuffer data) {
    }

    void mapDma(int container, long vaddr, long iova, long size) {
        host.ioctl(container, VfioIoctl.IOMMU_MAP_DMA, host.put(new VfioIommuType1DmaMap(32,
                VfioIoctl.DMA_MAP_FLAG_READ | VfioIoctl.DMA_MAP_FLAG_WRITE, vaddr, iova, size)));
    }

    long unmapDma(int container, long iova, long size) {
        long a = host.put(new VfioIommuType1DmaUnmap(24, 0, iova, size));
        host.ioctl(container, VfioIoctl.IOMMU_UNMAP_DMA, a);
        return host.get(VfioIommuType1DmaUnmap.class, a).size();
    }

    void enableBusMaster(int deviceFd) {
        host.pwrite(deviceFd, VfioIoctl.PCI_CONFIG_REGION_INDEX, PciConfig.COMMAND, 2,
                PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER);
    }

    /** SET_IRQS: MSI-X vector 0 to {@code eventfd}. */
    void msixToEventfd(int deviceFd, int eventfd) {
        int size = Uapi.sizeOf(VfioIrqSet.class);
        byte[] hdr = Uapi.encode(new VfioIrqSet(size + 4,
                VfioIoctl.IRQ_SET_DATA_EVENTFD | VfioIoctl.IRQ_SET_ACTION_TRIGGER, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, 1));
        byte[] arg = java.util.Arrays.copyOf(hdr, size + 4);
        ByteBuffer.wrap(arg, size, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(eventfd);
        host.ioctl(deviceFd, VfioIoctl.DEVICE_SET_IRQS, host.put(arg));
    }

    /** dmatest: fill {@code length} bytes at {@code iova}; returns RESULT. */
    long dmaFill(int deviceFd, long iova, int length, int pattern) {
        host.pwrite(deviceFd, 0, DmaTestDevice.REG_DST, 8, iova);
        host.pwrite(deviceFd, 0, DmaTestDevice.REG_LEN, 4, length);
        host.pwrite(deviceFd, 0, DmaTestDevice.REG_OP, 4, DmaTestDevice.OP_FILL);
        host.pwrite(deviceFd, 0, DmaTestDevice.REG_PATTERN, 4, pattern & 0xFFFF_FFFFL);
        host.pwrite(deviceFd, 0, DmaTestDevice.REG_DOORBELL, 4, 1);
        return host.pread(deviceFd, 0, DmaTestDevice.REG_RESULT, 4);
    }
}
