package dev.vplat.guest.suites;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vplat suite [N...]}: runs guest-driver suites against {@code --target} or, without one,
 * each suite class against a fresh embedded server. Exit code 0 when nothing failed, 1 otherwise.
 */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = "Run the guest-driver suites (all, or the numbers given) over a real socket.")
public final class SuiteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "N", arity = "0..*", description = "Suite numbers (see --list); default: all.")
    List<Integer> numbers = new ArrayList<>();

    @Option(names = "--list", description = "List the suites and exit.")
    boolean list;

    @Option(names = "--target", paramLabel = "tcp:HOST:PORT|unix:PATH",
            description = "A running `vplat serve`; default: an embedded server per suite class.")
    String target;

    @Option(names = "--token", paramLabel = "SECRET", description = "The server's token, if it has one.")
    String token;

    @Option(names = "--junit-xml", paramLabel = "DIR", description = "Write JUnit XML reports into DIR.")
    Path junitXml;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            SuiteCatalog.all().forEach(e -> out.printf("%d  %s%n", e.number(), e.title()));
            out.flush();
            return 0;
        }
        List<SuiteCatalog.Entry> chosen = new ArrayList<>();
        for (int n : numbers) {
            chosen.add(SuiteCatalog.byNumber(n).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "no suite " + n + "; `vplat suite --list` shows them")));
        }
        if (chosen.isEmpty()) {
            chosen.addAll(SuiteCatalog.all());
        }
        out.printf("vplat suite: %s against %s%n", chosen.stream().map(e -> String.valueOf(e.number())).toList(),
                target != null ? target : "an embedded server");
        SuiteRunner runner = new SuiteRunner().progress(out);
        if (target != null) {
            runner.target(target, token);
        }
        if (junitXml != null) {
            runner.junitXml(junitXml);
        }
        SuiteRunner.Report report = runner.run(chosen);
        printSummary(out, chosen, report);
        return report.successful() ? 0 : 1;
    }

    private static void printSummary(PrintWriter out, List<SuiteCatalog.Entry> chosen, SuiteRunner.Report report) {
        out.println();
        out.println("suite  passed  failed  skipped  title");
        for (SuiteCatalog.Entry e : chosen) {
            out.printf("%5d  %6d  %6d  %7d  %s%n", e.number(), report.count(e.number(), SuiteRunner.Outcome.PASSED),
                    report.count(e.number(), SuiteRunner.Outcome.FAILED),
                    report.count(e.number(), SuiteRunner.Outcome.SKIPPED), e.title());
        }
        for (SuiteRunner.TestResult f : report.failures()) {
            out.printf("%nFAILED [%d] %s%n%s%n", f.suite(), f.name(), f.detail());
        }
        out.printf("%n%s: %d passed, %d failed, %d skipped%n", report.successful() ? "OK" : "FAILED",
                report.count(SuiteRunner.Outcome.PASSED), report.count(SuiteRunner.Outcome.FAILED),
                report.count(SuiteRunner.Outcome.SKIPPED));
        out.flush();
    }
}
