package dev.vplat.vfio.kernel;

import dev.vplat.platform.machine.Machine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The host "kernel" that runs on top of the emulated hardware: it owns the host page pool, the
 * /dev nodes, the processes (sessions) and the health counters that prove nothing leaks.
 * Subsystems (IOMMU core, iommufd, VFIO) attach to it and register their nodes and counters.
 * Like the machine, it is driven from the machine thread only.
 */
public final class HostKernel {
    /** RLIMIT_MEMLOCK for unprivileged sessions unless configured: 64 MiB, a common distro default. */
    public static final long DEFAULT_MEMLOCK_PAGES = (64L << 20) / 4096;

    private final Machine machine;
    private final HostPageAllocator pages;
    private final DeviceNodes nodes = new DeviceNodes();
    private final Notices notices = new Notices();
    private final Map<String, LongSupplier> counters = new LinkedHashMap<>();
    private final List<Process> processes = new ArrayList<>();
    private final Map<Class<?>, Object> services = new LinkedHashMap<>();
    private long memlockLimitPages = DEFAULT_MEMLOCK_PAGES;
    private int nextPid = 100;
    private boolean testHooks;

    public HostKernel(Machine machine, HostPageAllocator pages) {
        this.machine = machine;
        this.pages = pages;
        counter("sessions", () -> processes.size());
        counter("fds", () -> processes.stream().mapToLong(Process::openFileCount).sum());
        counter("pinned_pages", () -> processes.stream().mapToLong(p -> p.memory().pinnedPages()).sum());
        counter("host_pool_pages", pages::allocatedPages);
    }

    public Machine machine() {
        return machine;
    }

    public HostPageAllocator pages() {
        return pages;
    }

    public DeviceNodes nodes() {
        return nodes;
    }

    /** One-line notices about the machine (a fenced device) for the front ends to show. */
    public Notices notices() {
        return notices;
    }

    public boolean testHooks() {
        return testHooks;
    }

    public void setTestHooks(boolean on) {
        this.testHooks = on;
    }

    public void setMemlockLimitPages(long pagesLimit) {
        this.memlockLimitPages = pagesLimit;
    }

    /** Registers a subsystem so others can find it without a compile-time cycle. */
    public <T> void provide(Class<T> type, T service) {
        services.put(type, service);
    }

    public <T> T service(Class<T> type) {
        Object s = services.get(type);
        if (s == null) {
            throw new IllegalStateException("no " + type.getSimpleName() + " in this kernel");
        }
        return type.cast(s);
    }

    public <T> T serviceOrNull(Class<T> type) {
        return type.cast(services.get(type));
    }

    /** A health counter shown in MACHINE_INFO; later registrations of a name replace earlier ones. */
    public void counter(String name, LongSupplier value) {
        counters.put(name, value);
    }

    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach((k, v) -> out.put(k, v.getAsLong()));
        return out;
    }

    public Process spawn(boolean privileged) {
        Process p = new Process(nextPid++, privileged, new UserMemory(machine.system(), pages), memlockLimitPages);
        processes.add(p);
        return p;
    }

    public void exit(Process p) {
        p.exit();
        processes.remove(p);
    }

    public List<Process> processes() {
        return List.copyOf(processes);
    }
}
