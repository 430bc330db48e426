package dev.vplat.vfio.driver;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The host driver core for PCI: binds drivers to functions by name the way sysfs
 * {@code drivers/<name>/bind} and {@code unbind} do, with the DMA configuration step of
 * drivers/pci/pci-driver.c (pci_dma_configure / pci_dma_cleanup) around probe and remove.
 *
 * <p>Bind: unknown device or driver, or a driver that does not match the device → ENODEV; device
 * already bound → EBUSY; a DMA-API driver refused by DMA ownership (the group is user-owned) →
 * EBUSY and the device stays unbound. A listener's {@code onBound} is part of the probe: if it
 * throws, the bind is undone and the error returned. Unbind: not bound → ENODEV; a listener may
 * refuse (EBUSY).
 */
public final class DriverCore {
    private static final String SOURCE = "driver-core";

    private final IommuCore iommu;
    private final Trace trace;
    private final Map<RequesterId, HostDevice> devices = new TreeMap<>();
    private final Map<String, HostDriver> drivers = new LinkedHashMap<>();
    private final List<DriverBindingListener> listeners = new ArrayList<>();

    public DriverCore(IommuCore iommu, Trace trace) {
        this.iommu = iommu;
        this.trace = trace;
    }

    public void addDevice(HostDevice device) {
        if (devices.putIfAbsent(device.rid(), device) != null) {
            throw new IllegalArgumentException(device + " was already added");
        }
    }

    /** Registers a driver (pci_register_driver); a name may be registered once. */
    public void registerDriver(HostDriver driver) {
        if (drivers.putIfAbsent(driver.name(), driver) != null) {
            throw new IllegalArgumentException("driver " + driver.name() + " is already registered");
        }
    }

    public void addListener(DriverBindingListener listener) {
        listeners.add(listener);
    }

    public void removeListener(DriverBindingListener listener) {
        listeners.remove(listener);
    }

    public HostDevice device(RequesterId rid) {
        return devices.get(rid);
    }

    public List<HostDevice> devices() {
        return List.copyOf(devices.values());
    }

    public HostDriver driver(String name) {
        return drivers.get(name);
    }

    public List<HostDriver> drivers() {
        return List.copyOf(drivers.values());
    }

    /** DRIVER_BIND's text form: {@code "0000:00:03.0 vfio-pci"}. */
    public void bind(String command) {
        String[] words = command.trim().split("\\s+");
        if (words.length != 2) {
            throw new ErrnoException(Errno.EINVAL, "expected 'BDF DRIVER', got '" + command + "'");
        }
        bind(lookup(words[0]), words[1]);
    }

    /** DRIVER_UNBIND's text form: {@code "0000:00:03.0"}. */
    public void unbind(String bdf) {
        unbind(lookup(bdf.trim()));
    }

    private HostDevice lookup(String bdf) {
        RequesterId rid;
        try {
            rid = RequesterId.parse(bdf);
        } catch (IllegalArgumentException e) {
            throw new ErrnoException(Errno.ENODEV, e.getMessage());
        }
        HostDevice device = devices.get(rid);
        if (device == null) {
            throw new ErrnoException(Errno.ENODEV, "no PCI device " + rid.bdf());
        }
        return device;
    }

    /** Binds {@code driverName} to {@code device} (really_probe). */
    public void bind(HostDevice device, String driverName) {
        HostDriver driver = drivers.get(driverName);
        if (driver == null) {
            throw new ErrnoException(Errno.ENODEV, "no driver named " + driverName);
        }
        if (device.driver() != null) {
            throw new ErrnoException(Errno.EBUSY, device + " is already bound to " + device.driver());
        }
        if (!driver.matches(device)) {
            throw new ErrnoException(Errno.ENODEV, driver + " does not drive " + device + " (" + device.type() + ")");
        }
        if (!driver.driverManagedDma()) {
            iommu.useDefaultDomain(device.iommu());
        }
        device.setDriver(driver);
        List<DriverBindingListener> told = new ArrayList<>();
        try {
            for (DriverBindingListener l : List.copyOf(listeners)) {
                l.onBound(device, driver);
                told.add(l);
            }
        } catch (RuntimeException e) {
            for (DriverBindingListener l : told) {
                l.onUnbound(device, driver);
            }
            detach(device, driver);
            throw e;
        }
        log("%s bound to %s", device, driver);
    }

    /** Unbinds the device's driver (device_release_driver). */
    public void unbind(HostDevice device) {
        HostDriver driver = device.driver();
        if (driver == null) {
            throw new ErrnoException(Errno.ENODEV, device + " is not bound to a driver");
        }
        for (DriverBindingListener l : List.copyOf(listeners)) {
            l.beforeUnbind(device, driver);
        }
        detach(device, driver);
        log("%s unbound from %s", device, driver);
        for (DriverBindingListener l : List.copyOf(listeners)) {
            l.onUnbound(device, driver);
        }
    }

    /** The state half of remove: no driver, and pci_dma_cleanup for a DMA-API driver. */
    private void detach(HostDevice device, HostDriver driver) {
        device.setDriver(null);
        if (!driver.driverManagedDma()) {
            iommu.unuseDefaultDomain(device.iommu());
        }
    }

    private void log(String format, Object... args) {
        if (trace.on(TraceCategory.HOST)) {
            trace.line(TraceCategory.HOST, SOURCE, String.format(format, args));
        }
    }
}
