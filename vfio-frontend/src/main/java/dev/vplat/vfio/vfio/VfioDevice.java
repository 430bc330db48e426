package dev.vplat.vfio.vfio;

import dev.vplat.vfio.driver.HostDevice;
import dev.vplat.vfio.iommufd.IommuCoreDeviceOps;
import dev.vplat.vfio.iommufd.IommufdContext;
import dev.vplat.vfio.iommufd.IommufdDevice;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A device bound to vfio-pci (struct vfio_device): its cdev index, its VFIO group, the vfio-pci
 * ops, how many times it is open and, while open, its iommufd binding. The first open binds it
 * to an iommufd context (DMA ownership claimed with the context as owner, DMA blocked) and opens
 * the vfio-pci device; the last close closes the device and unbinds (detach, ownership given back).
 */
final class VfioDevice {
    private final int index;
    private final HostDevice host;
    private final VfioGroup group;
    private final VfioPciDevice pci;
    private final Set<VfioDeviceFile> files = new LinkedHashSet<>();
    private int openCount;
    private IommufdDevice idev;

    VfioDevice(int index, HostDevice host, VfioGroup group, VfioPciDevice pci) {
        this.index = index;
        this.host = host;
        this.group = group;
        this.pci = pci;
    }

    int index() {
        return index;
    }

    /** /dev/vfio/devices/vfioN. */
    String cdevPath() {
        return Vfio.CDEV_DIR + "vfio" + index;
    }

    String name() {
        return host.bdf();
    }

    HostDevice host() {
        return host;
    }

    VfioGroup group() {
        return group;
    }

    VfioPciDevice pci() {
        return pci;
    }

    int openCount() {
        return openCount;
    }

    IommufdDevice iommufdDevice() {
        return idev;
    }

    /** Files (cdev files, device fds) that refer to this device; while any exists it cannot be unbound. */
    Set<VfioDeviceFile> files() {
        return files;
    }

    /** vfio_df_device_first_open on the iommufd path: bind, then open_device; undone on failure. */
    void firstOpen(IommufdContext ctx) {
        IommufdDevice bound = ctx.bindDevice(new IommuCoreDeviceOps(host.iommu()));
        try {
            pci.open();
        } catch (RuntimeException e) {
            bound.unbind();
            throw e;
        }
        idev = bound;
        openCount = 1;
    }

    void reopen() {
        openCount++;
    }

    /** vfio_df_close: the last one runs close_device, then unbinds from iommufd. */
    void close() {
        if (--openCount > 0) {
            return;
        }
        pci.close();
        IommufdDevice bound = idev;
        idev = null;
        bound.unbind();
    }

    @Override
    public String toString() {
        return "vfio" + index + " (" + host.bdf() + ")";
    }
}
