package dev.vplat.guest.bench;

import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.VplatClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Item 6: {@code vplat serve} as a child process — seconds from spawn until it prints the
 * address it listens on (then a connection is accepted), its idle resident set, and the
 * resident set of a 1 TiB machine after a guest session has filled the configured amount of RAM
 * (1 GiB by default) with a non-zero byte through MEM_FILL. Baselines: a JVM on the same class
 * path that only prints "ready" ({@link IdleJvm}) for time and idle memory; the bytes touched for
 * the big machine.
 */
final class ProcessBench {
    private static final String MAIN = "dev.vplat.vfio.cli.Main";
    private static final String LISTENING = "  listening on ";
    /** Above 4 GiB, clear of every 32-bit hole and of the host kernel's pool (the upper half of RAM). */
    private static final long FILL_BASE = 0x1_0000_0000L;

    private final BenchContext ctx;

    ProcessBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        List<String> opts = ctx.settings().childJavaOptions();
        long settle = Math.min(1000, ctx.settings().measurement().toMillis());
        double idleStart;
        long idleRss;
        try (ChildJvm idle = ChildJvm.start(opts, IdleJvm.class.getName())) {
            idleStart = idle.awaitLine("ready"::equals).seconds();
            sleep(settle);
            idleRss = idle.residentBytes();
        }
        double serveStart;
        long serveRss;
        try (ChildJvm serve = ChildJvm.start(opts, MAIN, "serve", "--listen", "tcp:127.0.0.1:0")) {
            ChildJvm.Ready ready = serve.awaitLine(l -> l.startsWith(LISTENING));
            serveStart = ready.seconds();
            String address = address(ready.line());
            try (VplatClient c = VplatClient.builder().address(address).role(Role.GUEST).name("vplat-bench-probe").connect()) {
                c.machineInfo();
            }
            sleep(settle);
            serveRss = serve.residentBytes();
        }
        long touch = ctx.settings().touchBytes();
        long bigRss;
        try (ChildJvm big = ChildJvm.start(opts, MAIN, "serve", "--memory", "1T", "--listen", "tcp:127.0.0.1:0")) {
            String address = address(big.awaitLine(l -> l.startsWith(LISTENING)).line());
            try (VplatClient c = VplatClient.builder().address(address).role(Role.GUEST).name("vplat-bench-fill").connect()) {
                c.memFill(FILL_BASE, touch, 0xA5);
                if (c.readb(FILL_BASE + touch - 1) != 0xA5) {
                    throw new IllegalStateException("the last byte filled does not read back 0xA5");
                }
                bigRss = big.residentBytes();
            }
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("startup", "6", "vplat serve: spawn to listening", serveStart, Units.SECONDS, idleStart,
                "JVM that only prints \"ready\"", Target.valueAtMost(1.0, "≤ 1 s"), ""));
        rows.add(new Row("rss.idle", "6", "vplat serve: idle RSS", serveRss, Units.BYTES, idleRss, "idle JVM RSS", null,
                "read " + settle + " ms after start-up"));
        rows.add(new Row("rss.1t", "6", String.format(Locale.ROOT, "1 TiB machine, %s touched: RSS", Units.format(touch,
                Units.BYTES)), bigRss, Units.BYTES, touch, "bytes touched", Target.valueAtMost(1.1 * (1L << 30),
                "≤ 1.1 GiB"), "MEM_FILL of 0xA5 over " + Units.format(touch, Units.BYTES) + " at 4 GiB"));
        return rows;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The address of a {@code "  listening on ADDR (transport)"} line of {@code vplat serve}. */
    private static String address(String listeningLine) {
        return listeningLine.substring(LISTENING.length()).trim().split("\\s+")[0];
    }
}
