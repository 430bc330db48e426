package dev.vplat.vfio.platform;

/**
 * Host driver binding, as sysfs {@code bind}/{@code unbind} (and driver_override) do it. The
 * driver core provides it as a {@link dev.vplat.vfio.kernel.HostKernel} service; the server's
 * DRIVER_BIND/DRIVER_UNBIND ops answer ENODEV while it is absent. Called on the machine thread.
 */
public interface DriverControl {
    /**
     * Binds the function {@code bdf} ({@code 0000:00:03.0}) to {@code driver} ({@code vfio-pci}).
     *
     * @throws dev.vplat.vfio.kernel.ErrnoException EBUSY when already bound or the probe is refused
     *         by DMA ownership; ENODEV for an unknown driver or device
     */
    void bind(String bdf, String driver);

    /**
     * Unbinds the function's driver.
     *
     * @throws dev.vplat.vfio.kernel.ErrnoException ENODEV when not bound; EBUSY while a vfio-pci
     *         device fd is open (the holder gets the REQ interrupt)
     */
    void unbind(String bdf);
}
