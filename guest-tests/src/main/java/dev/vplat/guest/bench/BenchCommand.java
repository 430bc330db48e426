package dev.vplat.guest.bench;

import dev.vplat.vfio.platform.MemorySize;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "bench", description = {"Measure vplat against baselines measured in the same run and print a table:",
        "wire round trips (TCP, UDS, binary, text) against a plain Java socket floor and QEMU's qtest, pipelined and",
        "BATCH throughput, an edu DMA cycle through VT-d, translations and bulk DMA through the IOMMU, IOAS",
        "map+unmap, server start-up and memory. Every figure comes with the ratio to its baseline."})
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Short measurements (0.3 s each instead of --seconds).")
    boolean quick;

    @Option(names = "--seconds", paramLabel = "S", description = "Seconds per measurement (default: ${DEFAULT-VALUE}).")
    double seconds = 2;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the rows as JSON.")
    Path json;

    @Option(names = "--svg", paramLabel = "FILE", description = "Also write a chart of the ratios (SVG).")
    Path svg;

    @Option(names = "--touch", paramLabel = "SIZE", description = "RAM the 1 TiB machine touches (default: ${DEFAULT-VALUE}).")
    String touch = "1G";

    @Option(names = "--qemu", paramLabel = "PATH", description = "QEMU binary (default: qemu-system-x86_64 on the PATH).")
    Path qemu;

    @Option(names = "--no-qemu", description = "Do not look for QEMU: its rows say QEMU not found.")
    boolean noQemu;

    @Option(names = "--child-java-option", paramLabel = "OPT",
            description = "JVM option for the spawned `vplat serve` children; repeatable.")
    List<String> childJavaOptions = new ArrayList<>();

    @Option(names = "--only", paramLabel = "SECTION", split = ",",
            description = "Run only these sections: 1-2 (wire), 3 (edu DMA), 4 (IOMMU), 5 (IOAS), 6 (processes).")
    List<String> only = new ArrayList<>();

    @Option(names = "--jmh", paramLabel = "REGEX", arity = "0..1", fallbackValue = "VplatJmh",
            description = "Run the JMH microbenchmarks matching REGEX (default: all of VplatJmh) instead of the bench.")
    String jmh;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (jmh != null) {
            return runJmh();
        }
        Duration each = Duration.ofNanos((long) ((quick ? Math.min(seconds, 0.3) : seconds) * 1e9));
        Optional<Path> qemuPath = noQemu ? Optional.empty() : qemu != null ? Optional.of(qemu) : QemuQtest.find();
        BenchSettings settings = new BenchSettings(each, MemorySize.parse(touch), qemuPath, childJavaOptions);
        for (String s : only) {
            if (!Bench.sectionKeys().contains(s)) {
                throw new ParameterException(spec.commandLine(), "unknown section '" + s + "'; sections are "
                        + String.join(", ", Bench.sectionKeys()));
            }
        }
        BenchReport report = Bench.run(settings, only, line -> {
            out.println(line);
            out.flush();
        });
        out.println();
        out.print(report.table());
        out.flush();
        if (json != null) {
            BenchReport.write(json, report.json());
        }
        if (svg != null) {
            BenchReport.write(svg, report.svg());
        }
        return 0;
    }

    /** JMH in forked JVMs on this class path (vplat.jar carries the generated harness and its BenchmarkList). */
    private int runJmh() {
        ChainedOptionsBuilder o = new OptionsBuilder().include(jmh);
        if (quick) {
            o.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                    .measurementIterations(2).measurementTime(TimeValue.milliseconds(500));
        }
        try {
            new Runner(o.build()).run();
            return 0;
        } catch (RunnerException e) {
            throw new IllegalStateException("JMH failed: " + e.getMessage(), e);
        }
    }
}
