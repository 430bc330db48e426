package dev.vplat.platform.machine;

import dev.vplat.platform.clock.VirtualClock;
import dev.vplat.platform.irq.InterruptController;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.memory.ContainerRegion;
import dev.vplat.platform.memory.GuestRam;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.memory.RamRegion;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One emulated machine: RAM, the system and port-I/O address spaces, the interrupt fabric, the
 * virtual clock, the trace and every component plugged in. A machine is owned by one thread
 * (the server's machine thread, or a test); nothing here is synchronised.
 */
public final class Machine {
    /** Priority of the CPU-side MSI window: above RAM and MMIO, so the window is never RAM. */
    public static final int MSI_WINDOW_PRIORITY = 100;
    /** Priority of device MMIO windows: above RAM, so a BAR placed over RAM hides it. */
    public static final int MMIO_PRIORITY = 10;
    /** Size of the x86 port-I/O space. */
    public static final long PIO_SPACE_SIZE = 0x10000;

    private final String name;
    private final Trace trace;
    private final VirtualClock clock = new VirtualClock();
    private final InterruptController interrupts;
    private final ContainerRegion systemRoot = new ContainerRegion("system", Long.MAX_VALUE);
    private final ContainerRegion ioRoot = new ContainerRegion("io", PIO_SPACE_SIZE);
    private final AddressSpace system;
    private final AddressSpace io;
    private final List<MemoryMapEntry> memoryMap = new ArrayList<>();
    private final Map<String, Object> components = new LinkedHashMap<>();
    private final List<Lifecycle> lifecycles = new ArrayList<>();
    private boolean realized;

    public Machine(String name, Trace trace) {
        this.name = name;
        this.trace = trace;
        this.interrupts = new InterruptController(trace);
        this.system = new AddressSpace("system", systemRoot, trace, TraceCategory.MMIO);
        this.io = new AddressSpace("io", ioRoot, trace, TraceCategory.PIO);
        trace.timeSource(clock::now);
    }

    public String name() {
        return name;
    }

    public Trace trace() {
        return trace;
    }

    public VirtualClock clock() {
        return clock;
    }

    public InterruptController interrupts() {
        return interrupts;
    }

    /** The CPU's view of physical memory, and what DMA reaches after translation. */
    public AddressSpace system() {
        return system;
    }

    public AddressSpace io() {
        return io;
    }

    public List<MemoryMapEntry> memoryMap() {
        return List.copyOf(memoryMap);
    }

    /** Adds a RAM block of {@code size} bytes at {@code base}; pages cost memory only once written. */
    public GuestRam addRam(String ramName, long base, long size) {
        GuestRam ram = new GuestRam(size);
        systemRoot.add(new RamRegion(ramName, ram, 0, size), base, 0);
        memoryMap.add(new MemoryMapEntry("ram", ramName, base, size));
        return ram;
    }

    /** Maps a device's MMIO window into system memory and lists it in the memory map. */
    public MmioRegion addMmio(String regionName, long base, long size, AccessRules rules, MmioOps ops) {
        MmioRegion region = new MmioRegion(regionName, size, rules, ops);
        systemRoot.add(region, base, MMIO_PRIORITY);
        memoryMap.add(new MemoryMapEntry("mmio", regionName, base, size));
        return region;
    }

    /** Unmaps an MMIO window added with {@link #addMmio}; unmapping one not mapped is a no-op. */
    public void removeMmio(MmioRegion region) {
        systemRoot.remove(region);
        memoryMap.removeIf(e -> e.kind().equals("mmio") && e.name().equals(region.name()));
    }

    /** Maps a device's port-I/O range (CF8/CFC, a legacy device) into the port-I/O space. */
    public MmioRegion addPio(String regionName, long port, long size, AccessRules rules, MmioOps ops) {
        MmioRegion region = new MmioRegion(regionName, size, rules, ops);
        ioRoot.add(region, port, MMIO_PRIORITY);
        return region;
    }

    /**
     * Maps the x86 interrupt window: a CPU store of a dword to 0xFEEx_xxxx is an MSI with no
     * requester ID, so a test can raise interrupts the way firmware does.
     */
    public void addX86MsiWindow() {
        MmioOps ops = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                interrupts.deliverMsi(new MsiMessage(MsiMessage.X86_WINDOW_BASE + offset, (int) value, -1));
            }
        };
        MmioRegion window = new MmioRegion("msi-window", MsiMessage.X86_WINDOW_SIZE, AccessRules.DWORD_ALIGNED, ops);
        systemRoot.add(window, MsiMessage.X86_WINDOW_BASE, MSI_WINDOW_PRIORITY);
        memoryMap.add(new MemoryMapEntry("msi", "msi-window", MsiMessage.X86_WINDOW_BASE, MsiMessage.X86_WINDOW_SIZE));
    }

    /** Registers a component under a unique id; components that have a lifecycle get it in add order. */
    public <T> T add(String id, T component) {
        if (components.containsKey(id)) {
            throw new IllegalArgumentException("machine already has a component named " + id);
        }
        components.put(id, component);
        if (component instanceof Lifecycle l) {
            lifecycles.add(l);
            if (realized) {
                l.realize();
                l.reset();
            }
        }
        return component;
    }

    /** Unplugs a component: a realized one is unrealized first. Returns it, or null if absent. */
    public Object remove(String id) {
        Object component = components.remove(id);
        if (component instanceof Lifecycle l) {
            lifecycles.remove(l);
            if (realized) {
                l.unrealize();
            }
        }
        return component;
    }

    public Object component(String id) {
        return components.get(id);
    }

    public <T> List<T> components(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Object o : components.values()) {
            if (type.isInstance(o)) {
                out.add(type.cast(o));
            }
        }
        return out;
    }

    public Map<String, Object> componentsById() {
        return java.util.Collections.unmodifiableMap(components);
    }

    /**
     * Realizes every component in add order, then resets them all: the machine is ready to run.
     * When one fails, those already realized are unrealized in reverse order and the failure
     * propagates, so a bad configuration leaves nothing half-built.
     */
    public void realize() {
        if (realized) {
            return;
        }
        List<Lifecycle> done = new ArrayList<>();
        try {
            for (Lifecycle l : List.copyOf(lifecycles)) {
                l.realize();
                done.add(l);
            }
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                try {
                    done.get(i).unrealize();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        realized = true;
        reset();
    }

    /** System reset: devices and IOMMUs return to their reset state; RAM keeps its contents. */
    public void reset() {
        resetExcept(Set.of());
    }

    /**
     * A system reset of every component but {@code spared} (compared by identity): hardware that
     * another party drives and would lose track of, like the host stack's IOMMU units.
     */
    public void resetExcept(Set<?> spared) {
        for (Lifecycle l : List.copyOf(lifecycles)) {
            if (spared.stream().noneMatch(s -> s == l)) {
                l.reset();
            }
        }
    }

    /** Unrealizes every component in reverse add order; the machine may be realized again. */
    public void shutdown() {
        if (!realized) {
            return;
        }
        List<Lifecycle> reversed = new ArrayList<>(lifecycles);
        java.util.Collections.reverse(reversed);
        for (Lifecycle l : reversed) {
            l.unrealize();
        }
        realized = false;
    }

    public boolean realized() {
        return realized;
    }
}
