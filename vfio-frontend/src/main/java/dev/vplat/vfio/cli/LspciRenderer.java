package dev.vplat.vfio.cli;

import java.io.PrintWriter;
import java.util.List;

/**
 * Renders {@code vplat lspci} output. The PCI layer's full renderer (capability decoding as
 * lspci -vv prints it) plugs in through {@link java.util.ServiceLoader}; without one,
 * {@link BasicLspciRenderer} is used.
 */
public interface LspciRenderer {
    /** What the user asked for: {@code -t}, the count of {@code -v}, {@code -x}. */
    record Options(boolean tree, int verbosity, boolean hex) {
    }

    /** Reads configuration space of a function; offsets below 256 work on every machine. */
    @FunctionalInterface
    interface ConfigSpace {
        long read(PciFunction function, int offset, int size);
    }

    void render(List<PciFunction> functions, ConfigSpace config, Options options, PrintWriter out);
}
