package dev.vplat.vfio.driver;

/**
 * What a higher layer (VFIO) hooks into the driver core: it learns when a driver binds or unbinds
 * (vfio-pci bound → create /dev/vfio/devices/vfioN and the group node) and may refuse an unbind
 * (vfio-pci with a device fd open → EBUSY, after signalling the holder's REQ interrupt).
 */
public interface DriverBindingListener {
    /**
     * The driver is bound; part of the probe, so throwing an ErrnoException fails the bind (the
     * listeners told before get {@link #onUnbound}) and the device stays unbound.
     */
    default void onBound(HostDevice device, HostDriver driver) {
    }

    /**
     * Called before the driver is removed; throw an ErrnoException to refuse the unbind. Nothing
     * has changed yet when this is called.
     */
    default void beforeUnbind(HostDevice device, HostDriver driver) {
    }

    /** The driver was removed; the device is unbound. */
    default void onUnbound(HostDevice device, HostDriver driver) {
    }
}
