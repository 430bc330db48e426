package dev.vplat.vfio.platform;

import dev.vplat.platform.machine.Machine;
import dev.vplat.vfio.kernel.HostKernel;

/**
 * An assembled, realized machine with the host kernel running on it: what a server serves and
 * what the embedded CLI commands inspect. Owned by one thread at a time (the server's machine
 * thread); {@link #close()} tears the machine down.
 */
public final class Platform implements AutoCloseable {
    private final PlatformConfig config;
    private final Machine machine;
    private final HostKernel kernel;
    private final MachineInfoRegistry infoRegistry;
    private final MachineAccess access;
    private boolean closed;

    Platform(PlatformConfig config, Machine machine, HostKernel kernel, MachineInfoRegistry infoRegistry) {
        this.config = config;
        this.machine = machine;
        this.kernel = kernel;
        this.infoRegistry = infoRegistry;
        this.access = new MachineAccess(machine, kernel);
    }

    public PlatformConfig config() {
        return config;
    }

    public Machine machine() {
        return machine;
    }

    public HostKernel kernel() {
        return kernel;
    }

    public MachineInfoRegistry infoRegistry() {
        return infoRegistry;
    }

    /** The guest-role view of the machine (memory, port I/O, clock, reset) shared by every front end. */
    public MachineAccess access() {
        return access;
    }

    /** MACHINE_INFO JSON, built now. */
    public String machineInfo() {
        return MachineInfo.json(this);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (var p : kernel.processes()) {
                kernel.exit(p);
            }
            machine.shutdown();
        }
    }
}
