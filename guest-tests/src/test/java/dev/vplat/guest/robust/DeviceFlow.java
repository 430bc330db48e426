package dev.vplat.guest.robust;

import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioDevice;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.vfio.uapi.VfioIoctl;

import java.util.List;

/**
 * The user-space driver flow on the dmatest engine through iommufd and the VFIO cdev, as numbered
 * steps so a test can stop (or kill the process) after any of them: open /dev/iommu, open the
 * cdev, bind, allocate an IOAS, map a buffer at a fixed IOVA, attach, enable bus mastering,
 * wire MSI-X vector 0 to an eventfd, start a FILL of the buffer (still in flight on a device
 * with {@code delay_ns}).
 */
final class DeviceFlow {
    static final int REG_DST = 0x10, REG_LEN = 0x18, REG_OP = 0x20, REG_PATTERN = 0x28, REG_DOORBELL = 0x38,
            REG_RESULT = 0x40;
    static final int OP_FILL = 1, RESULT_DONE = 2;
    static final long IOVA = 0x40_0000L;
    static final int LENGTH = 4 * 4096;

    static final List<String> STEPS = List.of("open /dev/iommu", "open the cdev", "BIND_IOMMUFD", "IOAS_ALLOC",
            "IOAS_MAP", "ATTACH_IOMMUFD_PT", "bus master on", "MSI-X to an eventfd", "DMA started");

    private final VplatClient user;
    private final String cdev;
    Iommufd iommufd;
    VfioDevice device;
    int ioas;
    UserBuffer buffer;

    DeviceFlow(VplatClient user, String cdev) {
        this.user = user;
        this.cdev = cdev;
    }

    void runTo(int steps, int pattern) {
        for (int k = 0; k < steps; k++) {
            step(k, pattern);
        }
    }

    void step(int k, int pattern) {
        switch (k) {
            case 0 -> iommufd = user.openIommufd();
            case 1 -> device = user.openVfioDevice(cdev);
            case 2 -> device.bindIommufd(iommufd);
            case 3 -> ioas = iommufd.ioasAlloc();
            case 4 -> {
                buffer = user.mmap(LENGTH);
                iommufd.mapFixed(ioas, buffer, IOVA);
            }
            case 5 -> device.attach(ioas);
            case 6 -> device.configWrite(0x04, 2, device.configRead(0x04, 2) | 0x6);
            case 7 -> device.setIrqEventfds(VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, user.eventfd(0));
            case 8 -> startFill(pattern);
            default -> throw new IllegalArgumentException("no step " + k);
        }
    }

    /** FILL of the whole buffer with {@code pattern} through BAR0. */
    void startFill(int pattern) {
        device.barWriteq(0, REG_DST, IOVA);
        device.barWritel(0, REG_LEN, LENGTH);
        device.barWritel(0, REG_OP, OP_FILL);
        device.barWritel(0, REG_PATTERN, pattern);
        device.barWritel(0, REG_DOORBELL, 1);
    }

    int result() {
        return device.barReadl(0, REG_RESULT);
    }
}
