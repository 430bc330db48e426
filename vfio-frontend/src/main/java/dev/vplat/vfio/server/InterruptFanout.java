package dev.vplat.vfio.server;

import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Delivers the machine's interrupts to the sessions that watch them (IRQ_WATCH, or
 * {@code irq_intercept_*} in text mode), in the order sessions started watching. Machine thread.
 */
public final class InterruptFanout implements InterruptListener {
    /** Requester ID sent for an MSI without one (a CPU store into the MSI window). */
    public static final int NO_REQUESTER_ID = 0xFFFF;
    private final Set<Session> watchers = new LinkedHashSet<>();

    public void watch(Session s, boolean on) {
        s.setIrqWatch(on);
        if (on) {
            watchers.add(s);
        } else {
            watchers.remove(s);
        }
    }

    @Override
    public void onMsi(MsiMessage m) {
        Event e = new Event.Msi(m.address(), m.data(), m.requesterId() < 0 ? NO_REQUESTER_ID : m.requesterId());
        for (Session s : watchers) {
            s.link().event(e);
        }
    }

    @Override
    public void onIntx(int requesterId, int pin, boolean level) {
        Event e = new Event.Intx(requesterId & 0xFFFF, pin, level);
        for (Session s : watchers) {
            s.link().event(e);
        }
    }
}
