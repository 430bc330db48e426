package dev.vplat.pci.sdk;

import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.device.PropertyValues;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

/**
 * What the bus gives a device: its own properties, DMA port, interrupt sources, timers on the
 * virtual clock and the trace. It grants no access to other devices, the bus or the machine:
 * everything a device does to the outside world goes through its {@link DmaPort} (and is
 * therefore gated by Command.BME and translated by an IOMMU) or its {@link DeviceInterrupts}.
 *
 * <p>Threading: every callback into a device — MMIO handlers, timer callbacks, {@code reset},
 * {@code unrealize} — runs on the machine thread, one at a time, so device state needs no
 * locks. A device must not start threads of its own or keep work running outside those
 * callbacks; to do something later it arms a {@link #newTimer timer}, which keeps runs
 * deterministic under the virtual clock.
 */
public interface DeviceContext {
    /** The instance name (unique in the machine, {@code id=} on the command line), used as the trace source. */
    String name();

    /** The validated properties from {@code --device TYPE,prop=value}, defaults filled in. */
    PropertyValues properties();

    /** The function's DMA port (bus-master gating, requester ID and IOMMU translation included). */
    DmaPort dma();

    /** MSI, MSI-X and INTx of this function. */
    DeviceInterrupts interrupts();

    /**
     * A one-shot timer on the machine's virtual clock; the callback runs on the machine thread,
     * and an exception from it fences the device. Re-arm it from the callback for a periodic
     * tick. Timers are not cancelled by a reset: cancel them in {@link PciDevice#reset()}.
     */
    Timer newTimer(String name, Runnable callback);

    /** Current virtual time in nanoseconds. */
    long now();

    /**
     * The machine trace, to hand to a {@code RegisterBank} or to write lines with
     * {@link Trace#log}. It is shared by the whole machine: a device writes lines under its own
     * {@link #name()} and leaves the enabled categories and sinks alone (those belong to the
     * user's {@code --trace}).
     */
    Trace trace();

    /** Writes a trace line in category DEVICE under this device's name (when DEVICE is enabled). */
    void log(String message);

    /** Whether DEVICE trace lines are recorded, so a device can skip building costly messages. */
    default boolean tracing() {
        return trace().on(TraceCategory.DEVICE);
    }

    /**
     * A register bank of {@code size} bytes named after this device, tracing its accesses (by
     * register name) in category DEVICE: the usual backing of a BAR, declared with
     * {@code bank.define(Register.u32("DOORBELL", 0x10).writeOnly().onWrite(...))} and passed
     * to {@link BarSpec}.
     */
    default RegisterBank registerBank(int size) {
        return new RegisterBank(name(), size, trace(), TraceCategory.DEVICE);
    }
}
