package dev.vplat.vfio.vfio;

import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.vfio.driver.DriverBindingListener;
import dev.vplat.vfio.driver.DriverCore;
import dev.vplat.vfio.driver.HostDevice;
import dev.vplat.vfio.driver.HostDriver;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuGroup;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.iommufd.VfioCompatIoctls;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.Process;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The VFIO subsystem of a host kernel (drivers/vfio): it follows vfio-pci binding through the
 * driver core's listener and, for each bound device, creates {@code /dev/vfio/devices/vfioN}
 * (N the lowest free index, so in bind order from 0) and the node of its group
 * {@code /dev/vfio/<iommu group>}; {@code /dev/vfio/vfio} opens a legacy container, which is an
 * iommufd context serving the type1 ioctls through {@link VfioCompatIoctls}. Unbinding vfio-pci
 * from a device some file still uses is refused with EBUSY after the device's REQ eventfd is
 * signalled (vfio-pci's request callback; Linux would wait for the user instead).
 *
 * <p>Counters: {@code vfio_devices} (bound to vfio-pci), {@code vfio_device_files} (cdev files and
 * device fds alive), {@code vfio_host_vectors} (host interrupt vectors programmed into devices).
 */
public final class Vfio {
    public static final String CONTAINER_PATH = "/dev/vfio/vfio";
    public static final String GROUP_DIR = "/dev/vfio/";
    public static final String CDEV_DIR = "/dev/vfio/devices/";

    private final HostKernel kernel;
    private final Iommufd iommufd;
    private final IommuCore iommuCore;
    private final PciHost pci;
    private final HostBars bars;
    private final HostMsiRouter router;
    private final Map<HostDevice, VfioDevice> devices = new LinkedHashMap<>();
    private final Map<IommuGroup, VfioGroup> groups = new LinkedHashMap<>();
    private final TreeSet<Integer> freeIndexes = new TreeSet<>();
    private int nextIndex;

    /**
     * The PCI memory window BARs are assigned in when a device is bound to vfio-pci: {@code [base, limit)}.
     */
    public record BarWindow(long base, long limit) {
        /** q35's PCI hole below the interrupt window and the firmware. */
        public static final BarWindow Q35_PCI_HOLE = new BarWindow(0xC000_0000L, 0xFE00_0000L);
    }

    private Vfio(HostKernel kernel, Iommufd iommufd, IommuCore iommuCore, PciHost pci, BarWindow window) {
        this.kernel = kernel;
        this.iommufd = iommufd;
        this.iommuCore = iommuCore;
        this.pci = pci;
        this.bars = new HostBars(pci, window);
        this.router = pci.options().x86() || pci.options().msiDoorbellBase() < 0 ? new HostMsiRouter()
                : new HostMsiRouter(pci.options().msiDoorbellBase());
    }

    /**
     * Installs VFIO on a kernel whose host stack is booted ({@code DriverCore}, {@code IommuCore}
     * services): /dev/iommu if missing, /dev/vfio/vfio, the iommufd VFIO-compat hook, the
     * binding listener, the interrupt router and the counters. Devices already bound to vfio-pci
     * get their nodes now.
     */
    public static Vfio install(HostKernel kernel) {
        return install(kernel, BarWindow.Q35_PCI_HOLE);
    }

    /** {@link #install(HostKernel)} with unassigned BARs placed in {@code barWindow}. */
    public static Vfio install(HostKernel kernel, BarWindow barWindow) {
        Iommufd fd = kernel.serviceOrNull(Iommufd.class);
        if (fd == null) {
            fd = Iommufd.install(kernel);
        }
        PciHost pci = kernel.machine().components(PciHost.class).get(0);
        Vfio vfio = new Vfio(kernel, fd, kernel.service(IommuCore.class), pci, barWindow);
        fd.setVfioCompat(new VfioCompatIoctls());
        kernel.nodes().register(CONTAINER_PATH, vfio::openContainer);
        kernel.machine().interrupts().addListener(vfio.router);
        DriverCore drivers = kernel.service(DriverCore.class);
        drivers.addListener(vfio.new Listener());
        for (HostDevice d : drivers.devices()) {
            if (d.driver() != null && HostDriver.VFIO_PCI.equals(d.driver().name())) {
                vfio.add(d);
            }
        }
        kernel.counter("vfio_devices", () -> vfio.devices.size());
        kernel.counter("vfio_device_files", () -> vfio.devices.values().stream().mapToLong(v -> v.files().size()).sum());
        kernel.counter("vfio_host_vectors", vfio.router::allocated);
        kernel.provide(Vfio.class, vfio);
        return vfio;
    }

    IommuCore iommuCore() {
        return iommuCore;
    }

    /** The cdev path of the device at {@code bdf} ("0000:00:03.0") while it is bound to vfio-pci, or null. */
    public String cdevPath(String bdf) {
        return devices.values().stream().filter(d -> d.name().equals(bdf)).map(VfioDevice::cdevPath).findFirst()
                .orElse(null);
    }

    /** The group node of the device at {@code bdf} while it is bound to vfio-pci, or null. */
    public String groupPath(String bdf) {
        return devices.values().stream().filter(d -> d.name().equals(bdf)).map(d -> d.group().path()).findFirst()
                .orElse(null);
    }

    /** The bound devices' names in cdev index order. */
    public List<String> deviceNames() {
        List<VfioDevice> list = new ArrayList<>(devices.values());
        list.sort((a, b) -> Integer.compare(a.index(), b.index()));
        return list.stream().map(VfioDevice::name).toList();
    }

    private VfioContainerFile openContainer(Process process) {
        return new VfioContainerFile(iommufd.open(process));
    }

    /** vfio_pci_probe → vfio_register_group_dev: a device without an IOMMU group cannot be bound (EINVAL). */
    private void add(HostDevice host) {
        if (!host.iommu().hasGroup()) {
            throw new ErrnoException(Errno.EINVAL, host.bdf() + " has no IOMMU group: vfio-pci cannot drive it");
        }
        PciFunction function = pci.function(host.rid());
        bars.assign(function);
        IommuGroup ig = host.iommu().group();
        VfioGroup group = groups.computeIfAbsent(ig, VfioGroup::new);
        Integer free = freeIndexes.pollFirst();
        int index = free != null ? free : nextIndex++;
        VfioDevice device = new VfioDevice(index, host, group, new VfioPciDevice(function, router,
                doorbell -> msiAddressSeenBy(host, doorbell)));
        devices.put(host, device);
        if (group.devices().isEmpty()) {
            kernel.nodes().register(group.path(), p -> openGroup(p, group));
        }
        group.devices().add(device);
        kernel.nodes().register(device.cdevPath(), p -> new VfioDeviceFile(this, device, null));
    }

    /**
     * iommu_dma_compose_msi_msg: on an ITS host a device whose group is in a translating domain
     * sends its MSI to the software-MSI window of its IOMMU (IOMMU_RESV_SW_MSI), where the host
     * IOMMU driver mapped the doorbell page; otherwise to the doorbell itself.
     */
    private long msiAddressSeenBy(HostDevice host, long doorbell) {
        if (!router.its() || !host.iommu().hasGroup() || !(host.iommu().group().domain() instanceof PagingDomain)) {
            return doorbell;
        }
        return host.iommu().reservedRegions().stream().filter(r -> r.type() == ReservedRegion.Type.SW_MSI)
                .findFirst().map(r -> r.start() + (doorbell & 0xFFF)).orElse(doorbell);
    }

    private void remove(HostDevice host) {
        VfioDevice device = devices.remove(host);
        kernel.nodes().unregister(device.cdevPath());
        freeIndexes.add(device.index());
        VfioGroup group = device.group();
        group.devices().remove(device);
        if (group.devices().isEmpty()) {
            kernel.nodes().unregister(group.path());
            if (!group.opened()) {
                groups.remove(group.iommuGroup());
            }
        }
    }

    /**
     * vfio_group_fops_open: one opener at a time (EBUSY), not while a device of the group is
     * bound through its cdev (EBUSY), not once the group has no device left (ENODEV).
     */
    private VfioGroupFile openGroup(Process process, VfioGroup group) {
        if (group.devices().isEmpty()) {
            throw new ErrnoException(Errno.ENODEV, group + " is being removed");
        }
        if (group.opened()) {
            throw new ErrnoException(Errno.EBUSY, group.path() + " is already open");
        }
        if (group.cdevBound() > 0) {
            throw new ErrnoException(Errno.EBUSY, group + " has devices bound through their cdev");
        }
        group.addFileRef();
        return new VfioGroupFile(this, group);
    }

    void groupFileReleased(VfioGroup group) {
        group.dropFileRef(iommuCore);
        if (!group.opened() && group.devices().isEmpty()) {
            groups.remove(group.iommuGroup());
        }
    }

    /** vfio-pci's hooks into the driver core. */
    private final class Listener implements DriverBindingListener {
        @Override
        public void onBound(HostDevice device, HostDriver driver) {
            if (HostDriver.VFIO_PCI.equals(driver.name())) {
                add(device);
            }
        }

        /** vfio_unregister_group_dev → vfio_pci_core_request: ask the user (REQ) and refuse while in use. */
        @Override
        public void beforeUnbind(HostDevice device, HostDriver driver) {
            VfioDevice v = devices.get(device);
            if (v == null || v.files().isEmpty()) {
                return;
            }
            boolean told = v.pci().irqs().request();
            throw new ErrnoException(Errno.EBUSY, v + " is in use by " + v.files().size() + " file(s)"
                    + (told ? "; its user was asked to release it (REQ)" : "; no REQ eventfd is set"));
        }

        @Override
        public void onUnbound(HostDevice device, HostDriver driver) {
            if (devices.containsKey(device)) {
                remove(device);
            }
        }
    }
}
