package dev.vplat.pci.sdk;

/**
 * A PCI function's behaviour, written by a device author. The bus calls {@link #realize} once,
 * when the device is plugged; {@link #reset} on every system reset, function-level reset and
 * secondary bus reset (after the bus has put config space back to its reset values); and
 * {@link #unrealize} when the machine is torn down. An exception thrown from any callback or
 * from the device's MMIO handlers at run time fences the function (its BARs read all-ones and
 * drop writes from then on) and is reported in the trace; the machine keeps running.
 */
public interface PciDevice {
    /** Builds the device's state and declares its function; keep {@code context} for later use. */
    FunctionSpec realize(DeviceContext context);

    /**
     * Device-specific reset: put registers back and cancel armed timers. Config space has
     * already been reset by the bus. The default keeps all internal state (like QEMU's edu).
     */
    default void reset() {
    }

    /** The machine is being torn down: release anything held outside the machine (files, say). */
    default void unrealize() {
    }
}
