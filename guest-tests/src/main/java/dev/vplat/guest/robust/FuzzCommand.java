package dev.vplat.guest.robust;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code vplat fuzz --iterations N --seed S [--target ADDRESS]}: the protocol fuzzer for long
 * runs. Exit code 0 when the run found nothing, 1 otherwise; the report names the seed and the
 * session of every finding, so {@code --seed} replays it.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Fuzz the wire protocol of a server (random and mutated frames, ioctl structs with random",
                "sizes, flags and pointers), then check it still serves clients and leaked nothing."})
public final class FuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "10000", description = "Inputs to send (default ${DEFAULT-VALUE}).")
    long iterations;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the run (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--target", paramLabel = "tcp:HOST:PORT|unix:PATH",
            description = "A running `vplat serve` (use a throwaway one: guest inputs rebind drivers); default: an embedded server.")
    String target;

    @Option(names = "--token", paramLabel = "SECRET", description = "The server's token, if it has one.")
    String token;

    @Option(names = "--max-session-inputs", paramLabel = "N", defaultValue = "64",
            description = "Most inputs one session sends before it ends (default ${DEFAULT-VALUE}).")
    int maxSessionInputs;

    @Option(names = "--reply-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long an input may stay unanswered before it counts as a hang (default ${DEFAULT-VALUE}).")
    long replyTimeout;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("vplat fuzz: %d inputs, seed %d, against %s%n", iterations, seed,
                target != null ? target : "an embedded server");
        out.flush();
        FuzzReport report = new FuzzRunner(target, token, seed, iterations, maxSessionInputs,
                Duration.ofSeconds(replyTimeout)).progress(out).run();
        report.print(out);
        return report.clean() ? 0 : 1;
    }
}
