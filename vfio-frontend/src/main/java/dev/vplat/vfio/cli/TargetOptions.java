package dev.vplat.vfio.cli;

import dev.vplat.platform.device.ConfigException;
import picocli.CommandLine.Option;

/** Where a running server is, for the commands that talk to one. */
public final class TargetOptions {
    @Option(names = "--target", paramLabel = "tcp:HOST:PORT|unix:PATH",
            description = "A running `vplat serve` to ask.")
    String target;

    @Option(names = "--token", paramLabel = "SECRET", description = "The server's token, if it was started with one.")
    String token;

    /** The server at {@code --target}, or at {@code fallback} when none was given. */
    MachineLink connect(String fallback) {
        return new RemoteLink(target != null ? target : fallback, token);
    }

    /** The server at {@code --target}, or else a fresh embedded machine built from {@code machine}. */
    MachineLink open(MachineOptions machine, picocli.CommandLine command) {
        if (target != null) {
            return connect(null);
        }
        try {
            return new EmbeddedLink(machine.toConfig());
        } catch (IllegalArgumentException | ConfigException e) {
            throw new picocli.CommandLine.ParameterException(command, e.getMessage());
        }
    }
}
