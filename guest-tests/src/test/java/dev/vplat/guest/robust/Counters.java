package dev.vplat.guest.robust;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.VplatClient;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The session-scoped health counters of MACHINE_INFO, and waiting for exits to bring them back. */
final class Counters {
    private Counters() {
    }

    static Map<String, Long> of(MachineInfo info) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : FuzzRunner.SESSION_COUNTERS) {
            out.put(name, info.counters().getOrDefault(name, 0L));
        }
        out.put("host_pool_pages", info.counter("host_pool_pages"));
        return out;
    }

    /**
     * Polls until the counters equal {@code baseline} (a session's exit runs just after its socket
     * closes), then asserts they do.
     */
    static void awaitBaseline(VplatClient monitor, Map<String, Long> baseline, String after) {
        Map<String, Long> now = of(monitor.machineInfo());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!now.equals(baseline) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            now = of(monitor.machineInfo());
        }
        assertEquals(baseline, now, "counters after " + after);
    }
}
