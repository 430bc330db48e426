package dev.vplat.vfio.platform;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything that decides what machine is built: what {@code vplat serve} and the embedded
 * commands take on the command line.
 *
 * @param machine     {@code q35} (x86: RAM at 0, MSI window at 0xFEE00000) or {@code virt} (Arm)
 * @param devices     {@code --device} option strings, QEMU style ({@code edu,addr=03.0})
 * @param iommus      {@code --iommu} option strings ({@code intel-iommu,owner=guest,aw-bits=48})
 * @param memoryBytes size of the RAM block; its upper half is the host kernel's page pool
 * @param noDefaults  leave out the devices the machine preset would add on its own
 * @param trace       trace categories, comma separated ({@code mmio,dma}, {@code all}) or empty
 * @param clock       whether virtual time also follows the wall clock
 * @param testHooks   enables test-only controls (fault injection and the like) in the host kernel
 * @param plugins     jars searched for additional device types
 */
public record PlatformConfig(String machine, List<String> devices, List<String> iommus, long memoryBytes,
                             boolean noDefaults, String trace, ClockMode clock, boolean testHooks,
                             List<Path> plugins) {
    public static final long DEFAULT_MEMORY = 2L << 30;

    public PlatformConfig {
        devices = List.copyOf(devices);
        iommus = List.copyOf(iommus);
        plugins = List.copyOf(plugins);
        trace = trace == null ? "" : trace;
    }

    /** The default machine: q35 with 2 GiB, virtual clock, nothing added. */
    public static PlatformConfig defaults() {
        return new PlatformConfig("q35", List.of(), List.of(), DEFAULT_MEMORY, false, "", ClockMode.VIRTUAL,
                false, List.of());
    }

    public PlatformConfig withMemory(long bytes) {
        return new PlatformConfig(machine, devices, iommus, bytes, noDefaults, trace, clock, testHooks, plugins);
    }
}
