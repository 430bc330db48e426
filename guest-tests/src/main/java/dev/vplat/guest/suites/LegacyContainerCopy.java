package dev.vplat.guest.suites;

import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioContainer;
import dev.vplat.guest.client.VfioDevice;
import dev.vplat.guest.client.VfioGroup;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.vfio.uapi.VfioIoctl;

/**
 * The legacy VFIO flow QEMU's vfio-pci takes, shared by the q35 and virt suites: a group joins a
 * TYPE1v2 container, two pages of process memory are mapped at {@link #IOVA}, and the DMA test
 * device (docs/devices/dmatest.md) copies the first page into the second through the
 * container's compat IOAS.
 */
final class LegacyContainerCopy {
    static final long IOVA = 0x100_0000L;
    static final int LENGTH = 256;

    final VfioContainer container;
    final VfioDevice device;
    final UserBuffer buffer;

    /** Sets {@code group}'s container, picks TYPE1v2, opens {@code bdf} and maps a buffer holding {@code pattern}. */
    LegacyContainerCopy(VplatClient user, VfioGroup group, String bdf, byte[] pattern) {
        container = user.openVfioContainer();
        group.setContainer(container);
        container.setIommu(VfioIoctl.TYPE1V2_IOMMU);
        device = group.deviceFd(bdf);
        buffer = user.mmap(2 * 4096);
        buffer.write(0, pattern);
        container.mapDma(buffer, IOVA);
        device.configWrite(0x04, 2, 0x6);
    }

    /** Rings a copy of {@link #LENGTH} bytes from the first page to the second; returns RESULT (2 done, 3 translation fault). */
    int copy() {
        device.barWriteq(0, 0x08, IOVA);
        device.barWriteq(0, 0x10, IOVA + 4096);
        device.barWritel(0, 0x18, LENGTH);
        device.barWritel(0, 0x20, 0);
        device.barWritel(0, 0x38, 1);
        return device.barReadl(0, 0x40);
    }

    byte[] copied() {
        return buffer.read(4096, LENGTH);
    }

    long unmapAll() {
        return container.unmapDma(IOVA, 2 * 4096, 0);
    }
}
