package dev.vplat.guest.bench;

import dev.vplat.guest.client.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchReportTest {
    private static final Target AT_LEAST_HALF = Target.ratioAtLeast(0.5, "≥ 0.5");

    @Test
    void ratioIsValueOverBaselineAndDecidesARatioTarget() {
        Row r = new Row("x", "4", "copy", 3e9, Units.BYTES_PER_SECOND, 4e9, "arraycopy", AT_LEAST_HALF, "");
        assertEquals(0.75, r.ratio(), 1e-12);
        assertTrue(r.targetMet());
        Row slow = new Row("x", "4", "copy", 1e9, Units.BYTES_PER_SECOND, 4e9, "arraycopy", AT_LEAST_HALF, "");
        assertFalse(slow.targetMet());
    }

    @Test
    void valueTargetIgnoresTheBaseline() {
        Row startup = new Row("s", "6", "start", 0.8, Units.SECONDS, 0.2, "idle JVM", Target.valueAtMost(1.0, "≤ 1 s"), "");
        assertEquals(4.0, startup.ratio(), 1e-12);
        assertTrue(startup.targetMet(), "0.8 s meets ≤ 1 s although it is 4× the baseline");
    }

    @Test
    @SuppressWarnings("unchecked")
    void missingRowBecomesJsonNullsWithItsReason() {
        Row missing = Row.missing("q", "1", "qemu", Units.OPS, "QEMU", AT_LEAST_HALF, "QEMU \"not\" found");
        BenchReport report = new BenchReport(Map.of("nproc", "2"), List.of(missing));
        Map<String, Object> row = ((List<Map<String, Object>>) Json.parseObject(report.json()).get("rows")).get(0);
        assertNull(row.get("value"));
        assertNull(row.get("ratio"));
        assertNull(row.get("met"));
        assertEquals("QEMU \"not\" found", row.get("note"));
        assertFalse(report.svg().contains("<rect x="), "a row without a ratio draws no bar");
    }
}
