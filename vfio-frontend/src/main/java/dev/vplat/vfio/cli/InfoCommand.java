package dev.vplat.vfio.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

@Command(name = "info", description = {"Print MACHINE_INFO (JSON) of a running server (--target),",
        "or of a fresh machine built from the machine options."})
final class InfoCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target;

    @Mixin
    MachineOptions machine;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (MachineLink link = target.open(machine, spec.commandLine())) {
            spec.commandLine().getOut().println(link.machineInfo());
        }
        return 0;
    }
}
