package dev.vplat.guest.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child JVM on this process's class path (the vplat.jar when run with {@code java -jar}),
 * timed from spawn until a line of its standard output says it is ready, with its resident set
 * read from {@code /proc/PID/status}. Closing it destroys exactly that process.
 */
final class ChildJvm implements AutoCloseable {
    private final java.lang.Process process;
    private final BufferedReader out;
    private final long started;

    private ChildJvm(java.lang.Process process, long started) {
        this.process = process;
        this.started = started;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    static ChildJvm start(List<String> javaOptions, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(javaOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        try {
            long t0 = System.nanoTime();
            java.lang.Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return new ChildJvm(p, t0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** Reads output lines until one matches; returns it with the seconds since spawn. */
    Ready awaitLine(Predicate<String> ready) {
        try {
            String line;
            while ((line = out.readLine()) != null) {
                if (ready.test(line)) {
                    return new Ready(line, (System.nanoTime() - started) / 1e9);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("the child JVM ended before it was ready (exit status "
                + waitForExit() + ")");
    }

    record Ready(String line, double seconds) {
    }

    /** VmRSS of the child in bytes. */
    long residentBytes() {
        Path status = Path.of("/proc", Long.toString(process.pid()), "status");
        try {
            for (String l : Files.readAllLines(status)) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status + " (the RSS figures need Linux /proc)", e);
        }
        throw new IllegalStateException(status + " has no VmRSS line");
    }

    private int waitForExit() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
