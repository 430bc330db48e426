package dev.vplat.iommu.vtd;

import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.regs.Register;

import java.util.function.Consumer;

/**
 * One of the unit's own interrupt sources (fault event, invalidation completion event): a
 * control register with IM (mask, reset 1) and IP (pending), plus data, address and upper
 * address registers at +4, +8, +12 (VT-d spec §11.4.9.2–5 and §11.4.11.x). While IM is set an
 * event only sets IP; clearing IM with IP set sends the message. The message goes straight to
 * the interrupt fabric with no requester ID, so it is never remapped (spec §5.1.5).
 */
final class EventInterrupt {
    private final Register control;
    private final Register data;
    private final Register address;
    private final Register upperAddress;
    private final Consumer<MsiMessage> sink;

    EventInterrupt(Register control, Register data, Register address, Register upperAddress,
                   Consumer<MsiMessage> sink) {
        this.control = control;
        this.data = data;
        this.address = address;
        this.upperAddress = upperAddress;
        this.sink = sink;
    }

    /** Hardware raises the event: IP is set and, if unmasked, the message is sent and IP cleared. */
    void raise() {
        control.set(control.value() | VtdRegs.CTL_IP);
        deliverIfUnmasked();
    }

    /** Side effect of a control-register write: unmasking with IP set sends the pending message. */
    void onControlWrite() {
        deliverIfUnmasked();
    }

    /** Software serviced every status bit behind the event: IP is cleared without a message. */
    void clearPending() {
        control.set(control.value() & ~VtdRegs.CTL_IP);
    }

    boolean pending() {
        return (control.value() & VtdRegs.CTL_IP) != 0;
    }

    private void deliverIfUnmasked() {
        long c = control.value();
        if ((c & VtdRegs.CTL_IP) != 0 && (c & VtdRegs.CTL_IM) == 0) {
            control.set(c & ~VtdRegs.CTL_IP);
            sink.accept(new MsiMessage(address.value() | upperAddress.value() << 32, (int) data.value(), -1));
        }
    }
}
