package dev.vplat.vfio.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code vplat} root command; its subcommands do the work. */
@Command(name = "vplat", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A pure-Java virtual platform for IOMMU, PCI and VFIO driver development.",
        subcommands = {ServeCommand.class, InfoCommand.class, LspciCommand.class, PeekCommand.class, PokeCommand.class})
public final class VplatCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a command, e.g. `vplat serve`; see `vplat --help`");
    }
}
