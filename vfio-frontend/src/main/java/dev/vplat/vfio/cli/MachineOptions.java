package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.MemorySize;
import dev.vplat.vfio.platform.PlatformConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options that describe a machine, shared by {@code serve} and the commands that can build one embedded. */
public final class MachineOptions {
    @Option(names = "--machine", defaultValue = "q35", paramLabel = "q35|virt",
            description = "Machine type (default: ${DEFAULT-VALUE}).")
    String machine;

    @Option(names = "--device", paramLabel = "TYPE[,key=value...]",
            description = "Add a device, QEMU style (e.g. edu,addr=03.0). Repeatable.")
    List<String> devices = new ArrayList<>();

    @Option(names = "--iommu", paramLabel = "TYPE[,key=value...]",
            description = "Add an IOMMU unit (e.g. intel-iommu,owner=guest,aw-bits=48). Repeatable.")
    List<String> iommus = new ArrayList<>();

    @Option(names = "--no-defaults", description = "Leave out the devices the machine would add by itself.")
    boolean noDefaults;

    @Option(names = "--memory", defaultValue = "2G", paramLabel = "SIZE",
            description = "RAM size, e.g. 512M, 2G (default: ${DEFAULT-VALUE}); the upper half is the host kernel's page pool.")
    String memory;

    @Option(names = "--trace", paramLabel = "CATEGORIES", defaultValue = "",
            description = "Trace categories to stderr: mmio,pio,dma,irq,iommu,pci,device,clock,host,protocol or all.")
    String trace;

    @Option(names = "--clock", defaultValue = "virtual", paramLabel = "virtual|realtime",
            description = "virtual: time moves only by clock_step/CLOCK_STEP (deterministic); realtime: also with the wall clock.")
    String clock;

    @Option(names = "--test-hooks", description = "Enable test-only controls of the host kernel (fault injection).")
    boolean testHooks;

    @Option(names = "--plugin", paramLabel = "JAR", description = "A jar with more device types. Repeatable.")
    List<Path> plugins = new ArrayList<>();

    /** The platform configuration these options describe; bad values throw IllegalArgumentException with advice. */
    public PlatformConfig toConfig() {
        return new PlatformConfig(machine, devices, iommus, MemorySize.parse(memory), noDefaults, trace,
                ClockMode.parse(clock), testHooks, plugins);
    }
}
