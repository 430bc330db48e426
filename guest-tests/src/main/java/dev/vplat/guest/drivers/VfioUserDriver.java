package dev.vplat.guest.drivers;

import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VfioDevice;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.PciRegs;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioRegionInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.vplat.vfio.uapi.VfioIoctl.IRQ_INFO_EVENTFD;
import static dev.vplat.vfio.uapi.VfioIoctl.PCI_MSIX_IRQ_INDEX;

/**
 * A user-space PCI driver in the style of DPDK's and SPDK's VFIO back ends, as an unprivileged
 * process (user role): open {@code /dev/iommu} and the device's cdev, bind, allocate an IOAS and
 * attach the device to it, map the process's own memory for DMA, program the device through its
 * BAR regions ({@code pwrite} at {@code index << 40}), take MSI-X vectors on eventfds
 * (VFIO_DEVICE_SET_IRQS), and tear it all down in reverse order.
 *
 * <pre>{@code
 * try (VfioUserDriver drv = VfioUserDriver.open(user, "/dev/vfio/devices/vfio0")) {
 *     long iova = drv.mapDma(buffer);
 *     drv.enableBusMaster();
 *     drv.barWriteq(0, 0x08, iova);
 * }
 * }</pre>
 */
public final class VfioUserDriver implements AutoCloseable {
    private final VplatClient user;
    private final Iommufd iommufd;
    private final VfioDevice device;
    private final int devId, ioas, hwpt;
    private final Map<Long, Long> mappings = new LinkedHashMap<>();
    private final List<Integer> vectorFds = new ArrayList<>();
    private boolean closed;

    private VfioUserDriver(VplatClient user, Iommufd iommufd, VfioDevice device, int devId, int ioas, int hwpt) {
        this.user = user;
        this.iommufd = iommufd;
        this.device = device;
        this.devId = devId;
        this.ioas = ioas;
        this.hwpt = hwpt;
    }

    /**
     * Opens {@code cdevPath}, binds it to a new iommufd, allocates an IOAS and attaches the device
     * (iommufd's auto-domain: the kernel allocates the paging HWPT). Anything that fails undoes
     * what was done before it.
     */
    public static VfioUserDriver open(VplatClient user, String cdevPath) {
        Iommufd iommufd = user.openIommufd();
        VfioDevice device = null;
        try {
            device = user.openVfioDevice(cdevPath);
            int devId = device.bindIommufd(iommufd);
            int ioas = iommufd.ioasAlloc();
            int hwpt = device.attach(ioas);
            return new VfioUserDriver(user, iommufd, device, devId, ioas, hwpt);
        } catch (RuntimeException e) {
            if (device != null) {
                device.close();
            }
            iommufd.close();
            throw e;
        }
    }

    public VfioDevice device() {
        return device;
    }

    public Iommufd iommufd() {
        return iommufd;
    }

    public int devId() {
        return devId;
    }

    public int ioas() {
        return ioas;
    }

    public int hwpt() {
        return hwpt;
    }

    public VfioDeviceInfo info() {
        return device.info();
    }

    public VfioRegionInfo region(int index) {
        return device.regionInfo(index);
    }

    /** Maps a buffer of this process read-write for device DMA at an IOVA the kernel picks; that IOVA. */
    public long mapDma(UserBuffer buffer) {
        long iova = iommufd.map(ioas, buffer);
        mappings.put(iova, buffer.length());
        return iova;
    }

    /** Maps a buffer at a fixed IOVA (DPDK's IOVA-as-VA mode uses the buffer's own address). */
    public void mapDmaFixed(UserBuffer buffer, long iova) {
        iommufd.mapFixed(ioas, buffer, iova);
        mappings.put(iova, buffer.length());
    }

    public void unmapDma(long iova) {
        Long length = mappings.remove(iova);
        if (length == null) {
            throw new IllegalArgumentException("no DMA mapping at IOVA 0x" + Long.toHexString(iova));
        }
        iommufd.unmap(ioas, iova, length);
    }

    /** Sets Command.MEM and Command.BME through the config region, as rte_pci_set_bus_master does. */
    public void enableBusMaster() {
        int command = device.configRead(PciRegs.COMMAND, 2);
        device.configWrite(PciRegs.COMMAND, 2, command | PciRegs.COMMAND_MEMORY | PciRegs.COMMAND_MASTER);
    }

    public int barReadl(int bar, long offset) {
        return device.barReadl(bar, offset);
    }

    public void barWritel(int bar, long offset, int value) {
        device.barWritel(bar, offset, value);
    }

    public long barReadq(int bar, long offset) {
        return device.barReadq(bar, offset);
    }

    public void barWriteq(int bar, long offset, long value) {
        device.barWriteq(bar, offset, value);
    }

    /**
     * Wires MSI-X vectors 0..{@code vectors-1} to fresh eventfds (VFIO_DEVICE_SET_IRQS with
     * DATA_EVENTFD | ACTION_TRIGGER); the eventfds, by vector.
     */
    public List<Integer> enableMsix(int vectors) {
        VfioIrqInfo irq = device.irqInfo(PCI_MSIX_IRQ_INDEX);
        if (irq.count() < vectors || (irq.flags() & IRQ_INFO_EVENTFD) == 0) {
            throw new IllegalStateException("device offers " + irq.count() + " MSI-X vectors (flags 0x"
                    + Integer.toHexString(irq.flags()) + "), " + vectors + " wanted");
        }
        int[] fds = new int[vectors];
        for (int v = 0; v < vectors; v++) {
            fds[v] = user.eventfd(0);
            vectorFds.add(fds[v]);
        }
        device.setIrqEventfds(PCI_MSIX_IRQ_INDEX, 0, fds);
        return List.copyOf(vectorFds);
    }

    /** Waits for vector {@code vector}'s eventfd to be signalled and reads (clears) its counter. */
    public long awaitInterrupt(int vector, Duration timeout) {
        int fd = vectorFds.get(vector);
        user.awaitEventfd(fd, timeout);
        return user.readEventfd(fd);
    }

    /** Disables MSI-X, unmaps everything, detaches, closes the device and the iommufd — DPDK's order. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!vectorFds.isEmpty()) {
            device.disableIrqs(PCI_MSIX_IRQ_INDEX);
            vectorFds.forEach(user::close);
            vectorFds.clear();
        }
        for (Map.Entry<Long, Long> m : List.copyOf(mappings.entrySet())) {
            iommufd.unmap(ioas, m.getKey(), m.getValue());
        }
        mappings.clear();
        device.detach();
        device.close();
        iommufd.destroy(ioas);
        iommufd.close();
    }

    /** Reads config space through the VFIO config region (vfio-pci's virtualised view). */
    public int configRead(int offset, int width) {
        return device.configRead(offset, width);
    }
}
