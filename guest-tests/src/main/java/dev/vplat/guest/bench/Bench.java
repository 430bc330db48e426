package dev.vplat.guest.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One bench run: every section in order, in this process and the children it spawns, each
 * figure next to the baseline measured in the same run. A section that fails reports one row
 * saying so instead of taking the others down.
 */
public final class Bench {
    private Bench() {
    }

    /** The sections in the order they run and the ids of their rows. */
    private static final List<Map.Entry<String, Function<BenchContext, List<Row>>>> SECTIONS = List.of(
            Map.entry("1-2 wire", c -> new WireBench(c).run()),
            Map.entry("3 edu DMA cycle", c -> new DmaCycleBench(c).run()),
            Map.entry("4 IOMMU translation", c -> new IommuBench(c).run()),
            Map.entry("5 IOAS map+unmap", c -> new IoasBench(c).run()),
            Map.entry("6 start-up and memory", c -> new ProcessBench(c).run()));

    /** Section keys {@code --only} accepts: the part of the name before the first space. */
    static List<String> sectionKeys() {
        return SECTIONS.stream().map(s -> key(s.getKey())).toList();
    }

    private static String key(String section) {
        return section.substring(0, section.indexOf(' '));
    }

    /**
     * Runs the sections whose keys are in {@code only} (all when empty); {@code progress} hears
     * one line per section as it starts.
     */
    public static BenchReport run(BenchSettings settings, List<String> only, Consumer<String> progress) {
        Map<String, String> machine = describeMachine(settings);
        List<Row> rows = new ArrayList<>();
        try (BenchContext ctx = new BenchContext(settings)) {
            for (var section : SECTIONS) {
                if (!only.isEmpty() && !only.contains(key(section.getKey()))) {
                    continue;
                }
                progress.accept("vplat bench: " + section.getKey() + " …");
                try {
                    rows.addAll(section.getValue().apply(ctx));
                } catch (RuntimeException e) {
                    String id = key(section.getKey());
                    rows.add(Row.missing("failed." + id, id, section.getKey() + " failed", Units.OPS, "-", null,
                            e.toString()));
                }
            }
        }
        return new BenchReport(machine, rows);
    }

    static Map<String, String> describeMachine(BenchSettings settings) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("cpu", firstMatching(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch")));
        m.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("memory", firstMatching(Path.of("/proc/meminfo"), "MemTotal").orElse("unknown"));
        m.put("load average", read(Path.of("/proc/loadavg")).map(s -> s.trim()).orElse("unknown"));
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("qemu", settings.qemu().map(QemuQtest::version).orElse("not found"));
        m.put("measurement", String.format(Locale.ROOT, "%.2f s each (after a warm-up of a fifth of it)",
                settings.measurement().toNanos() / 1e9));
        return m;
    }

    private static java.util.Optional<String> read(Path file) {
        try {
            return java.util.Optional.of(Files.readString(file));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static java.util.Optional<String> firstMatching(Path file, String key) {
        return read(file).flatMap(text -> text.lines().filter(l -> l.startsWith(key)).findFirst())
                .map(l -> l.substring(l.indexOf(':') + 1).trim());
    }
}
