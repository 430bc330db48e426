package dev.vplat.vfio.vfio;

import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.EventFd;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The host interrupt vectors VFIO hands to devices and where each one goes: what request_irq on
 * an MSI/MSI-X vector plus vfio's eventfd handler amount to. A vector is an x86 interrupt
 * message (address 0xFEE0_0000 with a destination APIC id in bits 19:12, data = vector number
 * 0x50..0xEF); the device's real MSI or MSI-X entry is programmed with it, and when the message
 * reaches the interrupt controller it signals the eventfd routed to it. INTx edges from a
 * function come in here as well and go to the device that enabled INTx.
 */
final class HostMsiRouter implements InterruptListener {
    static final int FIRST_VECTOR = 0x50;
    static final int LAST_VECTOR = 0xEF;
    private static final int VECTORS_PER_CPU = LAST_VECTOR - FIRST_VECTOR + 1;
    private static final int CPUS = 255;

    /** One allocated host vector: the message a device must send to raise it. */
    record HostVector(long address, int data) { }

    private final BitSet used = new BitSet(CPUS * VECTORS_PER_CPU);
    private final Map<HostVector, EventFd> routes = new HashMap<>();
    private final Map<Integer, IntConsumer> intxHandlers = new HashMap<>();

    /**
     * Allocates {@code count} consecutive vectors (a power of two) aligned to {@code count} on one
     * destination, as multi-message MSI needs; ENOSPC when no CPU has such a block free.
     */
    HostVector[] allocate(int count) {
        for (int cpu = 0; cpu < CPUS; cpu++) {
            for (int v = alignUp(FIRST_VECTOR, count); v + count - 1 <= LAST_VECTOR; v += count) {
                int slot = cpu * VECTORS_PER_CPU + v - FIRST_VECTOR;
                if (used.get(slot, slot + count).isEmpty()) {
                    used.set(slot, slot + count);
                    HostVector[] out = new HostVector[count];
                    for (int i = 0; i < count; i++) {
                        out[i] = new HostVector(MsiMessage.X86_WINDOW_BASE | ((long) cpu << 12), v + i);
                    }
                    return out;
                }
            }
        }
        throw new ErrnoException(Errno.ENOSPC, "no free host interrupt vectors");
    }

    void free(HostVector vector) {
        routes.remove(vector);
        int cpu = (int) ((vector.address() >>> 12) & 0xFF);
        used.clear(cpu * VECTORS_PER_CPU + vector.data() - FIRST_VECTOR);
    }

    void route(HostVector vector, EventFd eventFd) {
        routes.put(vector, eventFd);
    }

    void unroute(HostVector vector) {
        routes.remove(vector);
    }

    /** Vectors allocated now (the {@code vfio_host_vectors} counter). */
    int allocated() {
        return used.cardinality();
    }

    void onIntx(int requesterId, IntConsumer handler) {
        intxHandlers.put(requesterId, handler);
    }

    void offIntx(int requesterId) {
        intxHandlers.remove(requesterId);
    }

    @Override
    public void onMsi(MsiMessage message) {
        EventFd fd = routes.get(new HostVector(message.address(), message.data()));
        if (fd != null) {
            fd.signal(1);
        }
    }

    @Override
    public void onIntx(int requesterId, int pin, boolean level) {
        IntConsumer h = intxHandlers.get(requesterId);
        if (h != null && level) {
            h.accept(pin);
        }
    }

    private static int alignUp(int v, int a) {
        return (v + a - 1) / a * a;
    }
}
