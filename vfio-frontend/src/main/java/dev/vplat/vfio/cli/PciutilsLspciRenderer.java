package dev.vplat.vfio.cli;

import dev.vplat.pci.lspci.FunctionSnapshot;
import dev.vplat.pci.lspci.Lspci;
import dev.vplat.pci.lspci.LspciOptions;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The default {@link LspciRenderer}: snapshots each function (its config bytes plus what
 * MACHINE_INFO says the host kernel sees — driver, IOMMU group, BAR resources) and hands them
 * to the PCI layer's {@link Lspci}, the same renderer in-process code uses.
 */
public final class PciutilsLspciRenderer implements LspciRenderer {
    @Override
    public void render(List<PciFunction> functions, ConfigSpace config, Options options, PrintWriter out) {
        List<FunctionSnapshot> snapshots = new ArrayList<>();
        for (PciFunction f : functions) {
            snapshots.add(new FunctionSnapshot(f.bus(), f.slot() << 3 | f.function(), config.read(f), f.driver(),
                    f.group(), f.resources()));
        }
        out.print(Lspci.render(snapshots, new LspciOptions(options.tree(), options.verbosity(), options.hex())));
    }
}
