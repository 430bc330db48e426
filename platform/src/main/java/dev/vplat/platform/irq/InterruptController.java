package dev.vplat.platform.irq;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The platform's interrupt fabric. An MSI (a dword write into the x86 window 0xFEEx_xxxx, from a
 * device's DMA or a CPU store through {@code Machine.addX86MsiWindow}) passes through the
 * remappers in order, where an interrupt-remapping unit may rewrite or block it, and then reaches
 * every listener. INTx lines are level-triggered: the controller keeps each line's level,
 * listeners hear only changes, and {@link #intxLevel} answers for a listener attached later.
 */
public final class InterruptController {
    private final Trace trace;
    private final List<MsiRemapper> remappers = new ArrayList<>();
    private final List<InterruptListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<Long, Boolean> intxLevels = new HashMap<>();
    private long msiCount;
    private long msiBlocked;

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

    /** MSIs delivered to listeners so far. */
    public long msiCount() {
        return msiCount;
    }

    /** MSIs a remapper blocked so far. */
    public long msiBlockedCount() {
        return msiBlocked;
    }

    public void deliverMsi(MsiMessage message) {
        MsiMessage m = message;
        for (MsiRemapper r : remappers) {
            m = r.remap(m);
            if (m == null) {
                msiBlocked++;
                if (trace.on(TraceCategory.IRQ)) {
                    trace.line(TraceCategory.IRQ, "irq", String.format("MSI addr=0x%x data=0x%x rid=%s blocked by remapping",
                            message.address(), message.data(), rid(message.requesterId())));
                }
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

    /**
     * Drives an INTx line of a function to {@code level}; listeners hear only a change of level,
     * so re-asserting a raised line (a device whose interrupt status is still set) is silent.
     *
     * @param pin 1..4 for INTA..INTD, as the PCI Interrupt Pin register numbers them
     */
    public void setIntx(int requesterId, int pin, boolean level) {
        checkPin(pin);
        long key = intxKey(requesterId, pin);
        Boolean old = intxLevels.put(key, level);
        if (old != null && old == level) {
            return;
        }
        if (old == null && !level) {
            intxLevels.remove(key);
            return;
        }
        if (trace.on(TraceCategory.IRQ)) {
            trace.line(TraceCategory.IRQ, "irq", String.format("INT%c rid=%s %s", (char) ('A' + pin - 1),
                    rid(requesterId), level ? "raised" : "lowered"));
        }
        for (InterruptListener l : listeners) {
            l.onIntx(requesterId, pin, level);
        }
    }

    public boolean intxLevel(int requesterId, int pin) {
        checkPin(pin);
        return intxLevels.getOrDefault(intxKey(requesterId, pin), false);
    }

    private static long intxKey(int requesterId, int pin) {
        return ((long) requesterId << 8) | pin;
    }

    private static void checkPin(int pin) {
        if (pin < 1 || pin > 4) {
            throw new IllegalArgumentException("INTx pin must be 1..4 (INTA..INTD), got " + pin);
        }
    }

    private static String rid(int rid) {
        return rid < 0 ? "cpu" : String.format("%02x:%02x.%x", rid >> 8, (rid >> 3) & 0x1F, rid & 7);
    }
}
