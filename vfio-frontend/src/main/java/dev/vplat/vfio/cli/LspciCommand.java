package dev.vplat.vfio.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

@Command(name = "lspci", description = {"List PCI functions like lspci, of a running server (--target)",
        "or of a fresh machine built from the machine options. Config space is read through 0xCF8/0xCFC."})
final class LspciCommand implements Callable<Integer> {
    /** PCI configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): address at 0xCF8, data at 0xCFC..0xCFF. */
    static final int CONFIG_ADDRESS = 0xCF8;
    static final int CONFIG_DATA = 0xCFC;

    @Mixin
    TargetOptions target;

    @Mixin
    MachineOptions machine;

    @Option(names = "-t", description = "Show a tree of buses and devices.")
    boolean tree;

    @Option(names = "-v", description = "Be verbose (-vv: more).")
    boolean[] verbose = new boolean[0];

    @Option(names = "-x", description = "Show the first 64 bytes of configuration space in hex.")
    boolean hex;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (MachineLink link = target.open(machine, spec.commandLine())) {
            List<PciFunction> functions = PciFunction.fromMachineInfo(link.machineInfo());
            LspciRenderer.ConfigSpace config = (f, offset, size) -> {
                link.pioWrite(CONFIG_ADDRESS, 4, 0x8000_0000L | (f.bus() << 16) | (f.slot() << 11)
                        | (f.function() << 8) | (offset & 0xFC));
                return link.pioRead(CONFIG_DATA + (offset & 3), size);
            };
            renderer().render(functions, config, new LspciRenderer.Options(tree, verbose.length, hex),
                    spec.commandLine().getOut());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    static LspciRenderer renderer() {
        return ServiceLoader.load(LspciRenderer.class).findFirst().orElseGet(BasicLspciRenderer::new);
    }
}
