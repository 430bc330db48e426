package dev.vplat.guest.bench;

import dev.vplat.guest.client.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness, not the speed: a {@code --quick} run with tiny measurements must produce every
 * row of every section, measured against its baseline, as valid JSON and a chart — and the rows
 * against QEMU must say it was not found instead of inventing a figure.
 */
class BenchCommandTest {
    /** Every row a run without QEMU produces. */
    private static final Set<String> MEASURED = Set.of("rt.tcp.binary", "rt.uds.binary", "rt.tcp.text", "rt.uds.text",
            "rt.tcp.client", "mmio.inproc", "pipe.tcp.binary", "pipe.uds.binary", "batch.tcp", "batch.uds",
            "dma.edu.vtd", "iotlb.hit", "iotlb.miss", "dma.bulk", "ioas.inproc", "ioas.wire", "startup", "rss.idle", "rss.1t");
    private static final Set<String> QEMU_ROWS = Set.of("qemu.rt.uds.text", "qemu.rt.tcp.text", "qemu.rt.uds.binary",
            "qemu.pipe.uds.binary", "qemu.pipe.uds.text", "qemu.batch.uds", "qemu.dma.edu");

    @Test
    @SuppressWarnings("unchecked")
    void quickRunWritesEveryRowWithItsBaselineAsJsonAndSvg(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json"), svg = dir.resolve("bench.svg");
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out));
        int exit = cli.execute("--quick", "--seconds", "0.02", "--touch", "16M", "--no-qemu",
                "--json", json.toString(), "--svg", svg.toString());

        assertEquals(0, exit, out::toString);
        Map<String, Object> doc = Json.parseObject(Files.readString(json));
        Map<String, Object> machine = (Map<String, Object>) doc.get("machine");
        assertTrue(machine.containsKey("nproc") && machine.containsKey("jdk") && machine.containsKey("memory"), machine::toString);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) doc.get("rows");
        Set<String> ids = rows.stream().map(r -> (String) r.get("id")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>(MEASURED);
        expected.addAll(QEMU_ROWS);
        assertEquals(expected, ids, "every section's rows, and no failed.* row");
        for (Map<String, Object> r : rows) {
            if (MEASURED.contains(r.get("id"))) {
                assertInstanceOf(Number.class, r.get("value"), () -> r.get("id") + " has a value");
                assertInstanceOf(Number.class, r.get("baseline"), () -> r.get("id") + " has a baseline");
                assertTrue(((Number) r.get("ratio")).doubleValue() > 0, () -> r.get("id") + " has a positive ratio");
            } else {
                assertNull(r.get("value"), () -> r.get("id") + " was not measured without QEMU");
                assertEquals(BenchSettings.QEMU_NOT_FOUND, r.get("note"));
            }
        }
        String chart = Files.readString(svg);
        assertTrue(chart.startsWith("<svg"), chart);
        assertEquals(MEASURED.size(), chart.split("<rect x=", -1).length - 1, "one bar per row with a ratio");
        assertTrue(out.toString().contains("Java socket floor, same bytes"), "the table names the baselines");
    }

    @Test
    void unknownSectionIsAUsageError() {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute("--only", "7"));
    }
}
