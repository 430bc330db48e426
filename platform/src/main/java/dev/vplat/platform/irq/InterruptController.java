package dev.vplat.platform.irq;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The platform's interrupt fabric: MSIs pass through the remappers in order and then reach
 * every listener; INTx lines keep their level so a listener attached later, or a reset, sees
 * the true state.
 */
public final class InterruptController {
    private final Trace trace;
    private final List<MsiRemapper> remappers = new ArrayList<>();
    private final List<InterruptListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Long, Boolean> intxLevels = new HashMap<>();
    private long msiCount;

    public InterruptController(Trace trace) {
        this.trace = trace;
    }

    public void addRemapper(MsiRemapper remapper) {
        remappers.add(remapper);
    }

    public void removeRemapper(MsiRemapper remapper) {
        remappers.remove(remapper);
    }

    public void addListener(InterruptListener listener) {
        listeners.add(listener);
    }

    public void removeListener(InterruptListener listener) {
        listeners.remove(listener);
    }

    public long msiCount() {
        return msiCount;
    }

    public void deliverMsi(MsiMessage message) {
        MsiMessage m = message;
        for (MsiRemapper r : remappers) {
            m = r.remap(m);
            if (m == null) {
                trace.log(TraceCategory.IRQ, "irq", String.format("MSI addr=0x%x data=0x%x rid=%s blocked by remapping",
                        message.address(), message.data(), rid(message.requesterId())));
                return;
            }
        }
        msiCount++;
        if (trace.on(TraceCategory.IRQ)) {
            trace.line(TraceCategory.IRQ, "irq", String.format("MSI addr=0x%x data=0x%x rid=%s",
                    m.address(), m.data(), rid(m.requesterId())));
        }
        for (InterruptListener l : listeners) {
            l.onMsi(m);
        }
    }

    public void setIntx(int requesterId, int pin, boolean level) {
        long key = ((long) requesterId << 8) | pin;
        Boolean old = intxLevels.put(key, level);
        if (old != null && old == level) {
            return;
        }
        if (old == null && !level) {
            intxLevels.remove(key);
            return;
        }
        trace.log(TraceCategory.IRQ, "irq", String.format("INT%c rid=%s %s", (char) ('A' + pin - 1),
                rid(requesterId), level ? "raised" : "lowered"));
        for (InterruptListener l : listeners) {
            l.onIntx(requesterId, pin, level);
        }
    }

    public boolean intxLevel(int requesterId, int pin) {
        return intxLevels.getOrDefault(((long) requesterId << 8) | pin, false);
    }

    private static String rid(int rid) {
        return rid < 0 ? "cpu" : String.format("%02x:%02x.%x", rid >> 8, (rid >> 3) & 0x1F, rid & 7);
    }
}
