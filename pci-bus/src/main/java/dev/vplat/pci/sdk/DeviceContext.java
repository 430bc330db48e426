package dev.vplat.pci.sdk;

import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.device.PropertyValues;
import dev.vplat.platform.trace.Trace;

/**
 * What the bus gives a device: its own properties, DMA port, interrupt sources, timers on the
 * virtual clock and the trace. It grants no access to other devices or to the machine.
 */
public interface DeviceContext {
    /** The instance name (unique in the machine), used as the trace source. */
    String name();

    /** The validated properties from {@code --device TYPE,prop=value}, defaults filled in. */
    PropertyValues properties();

    /** The function's DMA port (bus-master gating, requester ID and IOMMU translation included). */
    DmaPort dma();

    /** MSI, MSI-X and INTx of this function. */
    DeviceInterrupts interrupts();

    /**
     * A one-shot timer on the machine's virtual clock; the callback runs on the machine thread,
     * and an exception from it fences the device.
     */
    Timer newTimer(String name, Runnable callback);

    /** Current virtual time in nanoseconds. */
    long now();

    /** The machine trace, for a {@code RegisterBank} or device-specific trace lines. */
    Trace trace();

    /** Writes a trace line in category DEVICE under this device's name (when DEVICE is enabled). */
    void log(String message);
}
