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
 * an MSI/MSI-X vector plus vfio's eventfd handler amount to. On x86 a vector is an interrupt
 * message (address 0xFEE0_0000 with a destination APIC id in bits 19:12, data = vector number
 * 0x50..0xEF). On an Arm host with a GICv3 ITS every vector is a write to GITS_TRANSLATER whose
 * data is the EventID (drivers/irqchip/irq-gic-v3-its.c); EventIDs are unique host-wide here,
 * so the doorbell address and data alone name the vector. The device's real MSI or MSI-X entry
 * is programmed with it (through the device's IOMMU domain: see {@link Vfio}), and when the
 * message reaches the interrupt controller it signals the eventfd routed to it. INTx edges from a
 * function come in here as well and go to the device that enabled INTx.
 */
final class HostMsiRouter implements InterruptListener {
    static final int FIRST_VECTOR = 0x50;
    static final int LAST_VECTOR = 0xEF;
    private static final int VECTORS_PER_CPU = LAST_VECTOR - FIRST_VECTOR + 1;
    private static final int CPUS = 255;
    /** EventIDs handed out on an ITS host (2^11, as many as the x86 vectors of eight CPUs). */
    private static final int ITS_EVENTS = 2048;

    /** One allocated host vector: the message a device must send to raise it. */
    record HostVector(long address, int data) { }

    private final long itsDoorbell;
    private final BitSet used = new BitSet(CPUS * VECTORS_PER_CPU);
    private final Map<HostVector, EventFd> routes = new HashMap<>();
    private final Map<Integer, IntConsumer> intxHandlers = new HashMap<>();

    /** Vectors of the x86 interrupt window. */
    HostMsiRouter() {
        this(-1);
    }

    /** @param itsDoorbell GITS_TRANSLATER of the host's ITS, or -1 for x86 vectors */
    HostMsiRouter(long itsDoorbell) {
        this.itsDoorbell = itsDoorbell;
    }

    /** Whether vectors are ITS EventIDs (an Arm host) rather than x86 vectors. */
    boolean its() {
        return itsDoorbell >= 0;
    }

    /**
     * Allocates {@code count} consecutive vectors (a power of two) aligned to {@code count} on one
     * destination, as multi-message MSI needs; ENOSPC when no CPU has such a block free.
     */
    HostVector[] allocate(int count) {
        if (its()) {
            return allocateEvents(count);
        }
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

    /** An aligned block of EventIDs on the ITS doorbell. */
    private HostVector[] allocateEvents(int count) {
        for (int e = 0; e + count <= ITS_EVENTS; e += count) {
            if (used.get(e, e + count).isEmpty()) {
                used.set(e, e + count);
                HostVector[] out = new HostVector[count];
                for (int i = 0; i < count; i++) {
                    out[i] = new HostVector(itsDoorbell, e + i);
                }
                return out;
            }
        }
        throw new ErrnoException(Errno.ENOSPC, "no free ITS event IDs");
    }

    void free(HostVector vector) {
        routes.remove(vector);
        if (its()) {
            used.clear(vector.data());
            return;
        }
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

    /**
     * On an ITS host the translation is by (DeviceID, EventID): a message from a source that is
     * not a PCI function (requester -1, e.g. the SMMU's own event-queue MSI) belongs to another
     * ITS device and never raises a PCI vector, whatever its data.
     */
    @Override
    public void onMsi(MsiMessage message) {
        if (its() && message.requesterId() < 0) {
            return;
        }
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
