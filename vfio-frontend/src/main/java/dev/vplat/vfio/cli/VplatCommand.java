package dev.vplat.vfio.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The {@code vplat} root command; its subcommands do the work. */
@Command(name = "vplat", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A pure-Java virtual platform for IOMMU, PCI and VFIO driver development.")
public final class VplatCommand implements Runnable {
    /** The built-in subcommands by name, in the order help lists them; {@link Main} adds them. */
    static final Map<String, Supplier<Object>> BUILT_IN = builtIn();

    private static Map<String, Supplier<Object>> builtIn() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("serve", ServeCommand::new);
        m.put("info", InfoCommand::new);
        m.put("lspci", LspciCommand::new);
        m.put("peek", PeekCommand::new);
        m.put("poke", PokeCommand::new);
        return Collections.unmodifiableMap(m);
    }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "give a command, e.g. `vplat serve`; see `vplat --help`");
    }
}
