package dev.vplat.vfio.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * Renders {@code vplat lspci} output from the functions MACHINE_INFO lists and their config
 * space. Found through {@link java.util.ServiceLoader}; this module registers
 * {@link PciutilsLspciRenderer} (the PCI layer's pciutils-style renderer), another jar on the
 * class path may register its own ahead of it.
 */
public interface LspciRenderer {
    /** What the user asked for: {@code -t}, the count of {@code -v}, the count of {@code -x}. */
    record Options(boolean tree, int verbosity, int hex) {
    }

    /** Reads a function's configuration space from offset 0: 4096 bytes where the machine has ECAM, else 256. */
    @FunctionalInterface
    interface ConfigSpace {
        byte[] read(PciFunction function);
    }

    void render(List<PciFunction> functions, ConfigSpace config, Options options, PrintWriter out);
}
