package dev.vplat.guest.suites;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs numbered suites with the JUnit Platform Launcher — the same engine Maven uses — printing
 * one line per test as it finishes and collecting a {@link Report}; optionally writes JUnit XML
 * (one file per suite class) with the platform's legacy XML listener.
 */
public final class SuiteRunner {
    /** How one test ended. */
    public enum Outcome { PASSED, FAILED, SKIPPED }

    /** One finished test (or a class that failed or was skipped as a whole). */
    public record TestResult(int suite, String name, Outcome outcome, String detail) {
    }

    /** Everything a run produced. */
    public record Report(List<TestResult> results) {
        public long count(Outcome o) {
            return results.stream().filter(r -> r.outcome() == o).count();
        }

        public long count(int suite, Outcome o) {
            return results.stream().filter(r -> r.suite() == suite && r.outcome() == o).count();
        }

        public boolean successful() {
            return count(Outcome.FAILED) == 0;
        }

        public List<TestResult> failures() {
            return results.stream().filter(r -> r.outcome() == Outcome.FAILED).toList();
        }
    }

    private final Map<String, String> parameters = new LinkedHashMap<>();
    private PrintWriter progress = new PrintWriter(PrintWriter.nullWriter());
    private Path junitXml;

    /** Points the run at a server ({@code tcp:…}/{@code unix:…}); without it suites run embedded. */
    public SuiteRunner target(String address, String token) {
        parameters.put(SuiteExtension.TARGET, address);
        if (token != null) {
            parameters.put(SuiteExtension.TOKEN, token);
        }
        return this;
    }

    /** Any other configuration parameter, e.g. {@link SuiteExtension#SETUP}. */
    public SuiteRunner parameter(String key, String value) {
        parameters.put(key, value);
        return this;
    }

    public SuiteRunner progress(PrintWriter out) {
        this.progress = out;
        return this;
    }

    public SuiteRunner junitXml(Path directory) {
        this.junitXml = directory;
        return this;
    }

    public Report run(List<SuiteCatalog.Entry> suites) {
        Map<String, Integer> suiteOfClass = new LinkedHashMap<>();
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameters(parameters);
        for (SuiteCatalog.Entry e : suites) {
            for (Class<?> c : e.classes()) {
                request.selectors(DiscoverySelectors.selectClass(c));
                suiteOfClass.put(c.getName(), e.number());
            }
        }
        LauncherDiscoveryRequest discovery = request.build();
        Collector collector = new Collector(suiteOfClass, progress);
        List<TestExecutionListener> listeners = new ArrayList<>(List.of(collector));
        if (junitXml != null) {
            listeners.add(new LegacyXmlReportGeneratingListener(junitXml, progress));
        }
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, listeners.toArray(new TestExecutionListener[0]));
        progress.flush();
        return new Report(List.copyOf(collector.results));
    }

    /** Turns launcher events into results and progress lines. */
    private static final class Collector implements TestExecutionListener {
        private final Map<String, Integer> suiteOfClass;
        private final PrintWriter out;
        private final List<TestResult> results = new ArrayList<>();

        Collector(Map<String, Integer> suiteOfClass, PrintWriter out) {
            this.suiteOfClass = suiteOfClass;
            this.out = out;
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            record(id, Outcome.SKIPPED, reason);
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            boolean isClass = id.getSource().filter(ClassSource.class::isInstance).isPresent();
            if (!id.isTest() && !(isClass && result.getStatus() != TestExecutionResult.Status.SUCCESSFUL)) {
                return;
            }
            String detail = result.getThrowable().map(t -> String.valueOf(t.getMessage())).orElse("");
            record(id, switch (result.getStatus()) {
                case SUCCESSFUL -> Outcome.PASSED;
                case ABORTED -> Outcome.SKIPPED;
                case FAILED -> Outcome.FAILED;
            }, detail);
        }

        private void record(TestIdentifier id, Outcome outcome, String detail) {
            int suite = suite(id);
            if (suite == 0) {
                return;
            }
            String name = name(id);
            results.add(new TestResult(suite, name, outcome, detail == null ? "" : detail));
            String mark = switch (outcome) {
                case PASSED -> "ok  ";
                case FAILED -> "FAIL";
                case SKIPPED -> "skip";
            };
            out.printf("  %s [%d] %s%s%n", mark, suite, name,
                    outcome == Outcome.PASSED || detail == null || detail.isEmpty() ? "" : " — " + firstLine(detail));
            out.flush();
        }

        private String name(TestIdentifier id) {
            String className = className(id);
            String simple = className == null ? "" : className.substring(className.lastIndexOf('.') + 1);
            return id.isTest() ? simple + "." + id.getDisplayName().replace("(SuiteTarget)", "") : simple;
        }

        private int suite(TestIdentifier id) {
            String c = className(id);
            return c == null ? 0 : suiteOfClass.getOrDefault(c, 0);
        }

        private String className(TestIdentifier id) {
            return id.getSource().map(s -> {
                if (s instanceof ClassSource cs) {
                    return cs.getClassName();
                }
                if (s instanceof MethodSource ms) {
                    return ms.getClassName();
                }
                return null;
            }).orElse(null);
        }

        private static String firstLine(String s) {
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        }
    }
}
