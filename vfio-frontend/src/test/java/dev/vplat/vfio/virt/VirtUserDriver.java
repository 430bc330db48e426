package dev.vplat.vfio.virt;

import dev.vplat.vfio.testing.UserDriverCalls;

import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaMap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaUnmap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The calls a DPDK-style user driver makes on {@link VirtHost}, each as its uAPI struct and ioctl. */
final class VirtUserDriver extends UserDriverCalls {
    private final VirtHost host;

    VirtUserDriver(VirtHost host) {
        super(host);
        this.host = host;
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

    /** SET_IRQS: MSI-X vector 0 to {@code eventfd}. */
    void msixToEventfd(int deviceFd, int eventfd) {
        setIrqEventfds(deviceFd, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, eventfd);
    }

}
