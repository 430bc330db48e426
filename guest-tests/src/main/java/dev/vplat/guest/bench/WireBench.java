package dev.vplat.guest.bench;

import dev.vplat.guest.client.Address;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.VplatClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Items 1 and 2: MMIO reads over the wire. Every workload reads the VT-d VER register at
 * 0xFED90000 — there on vplat's default q35 (dmar0) and on QEMU's {@code -device intel-iommu}
 * — so both servers do the same MMIO access. Baselines: the transport floor ({@link EchoFloor})
 * with the same bytes per round trip, and QEMU's qtest when it is on the PATH.
 */
final class WireBench {
    static final long VER = 0xFED9_0000L;
    /** Requests in flight for pipelined runs; BATCH requests carry BATCH_COUNT reads each. */
    static final int WINDOW = 256, BATCH_COUNT = 64, BATCH_WINDOW = 16;

    private final BenchContext ctx;
    private final Meter meter;

    WireBench(BenchContext ctx) {
        this.ctx = ctx;
        this.meter = ctx.meter();
    }

    /** A way to run the workload on an open loop: sequential or pipelined. */
    private interface Drive {
        long run(WireLoop loop, long n);
    }

    private static final Drive SEQUENTIAL = WireLoop::sequential;
    private static final Drive PIPELINED = (loop, n) -> loop.pipelined(n, WINDOW);
    private static final Drive BATCHED = (loop, n) -> loop.pipelined(n, BATCH_WINDOW);

    List<Row> run() {
        List<Row> rows = new ArrayList<>();
        WireShape binary = WireShape.Binary.memRead(VER, 4);
        WireShape text = WireShape.Text.readl(VER);
        WireShape batch = WireShape.Binary.batchOfReads(VER, BATCH_COUNT);
        Target rtTarget = Target.ratioAtLeast(1 / 1.15, "≥ 0.87 (round trip ≤ 1.15× floor)");

        rows.add(floorRow("rt.tcp.binary", "1", "MMIO read round trips, TCP, binary", binary, false, SEQUENTIAL, 1, rtTarget));
        rows.add(floorRow("rt.uds.binary", "1", "MMIO read round trips, UDS, binary", binary, true, SEQUENTIAL, 1, rtTarget));
        rows.add(floorRow("rt.tcp.text", "1", "MMIO read round trips, TCP, text", text, false, SEQUENTIAL, 1, rtTarget));
        rows.add(floorRow("rt.uds.text", "1", "MMIO read round trips, UDS, text", text, true, SEQUENTIAL, 1, rtTarget));
        rows.add(clientRow());
        rows.add(new InProcessMmio(ctx).row());

        rows.add(floorRow("pipe.tcp.binary", "2", "pipelined MMIO reads (" + WINDOW + " in flight), TCP, binary", binary,
                false, PIPELINED, 1, null));
        rows.add(floorRow("pipe.uds.binary", "2", "pipelined MMIO reads (" + WINDOW + " in flight), UDS, binary", binary,
                true, PIPELINED, 1, null));
        rows.add(floorRow("batch.tcp", "2", "BATCH MMIO reads (" + BATCH_COUNT + " per frame), TCP", batch, false, BATCHED,
                BATCH_COUNT, null));
        rows.add(floorRow("batch.uds", "2", "BATCH MMIO reads (" + BATCH_COUNT + " per frame), UDS", batch, true, BATCHED,
                BATCH_COUNT, null));

        rows.addAll(qemuRows(binary, text, batch));
        return rows;
    }

    /** vplat against the floor of the same shape, transport and drive; {@code perRequest} reads per request. */
    private Row floorRow(String id, String section, String what, WireShape shape, boolean unix, Drive drive,
                         int perRequest, Target target) {
        Address vplat = unix ? ctx.vplatUnix() : ctx.vplatTcp();
        boolean binary = shape instanceof WireShape.Binary;
        double v = measure(vplat, shape, binary, drive) * perRequest;
        double floor = ctx.once("floor:" + id, () -> {
            try (EchoFloor f = unix ? EchoFloor.unix(shape, ctx.scratch()) : EchoFloor.tcp(shape)) {
                return measure(f.address(), shape, false, drive) * perRequest;
            }
        });
        return new Row(id, section, what, v, Units.OPS, floor, "Java socket floor, same bytes", target, "");
    }

    private double measure(Address address, WireShape shape, boolean hello, Drive drive) {
        try (WireLoop loop = WireLoop.connect(address, shape)) {
            if (hello) {
                loop.helloAsGuest();
            }
            return meter.measure(n -> drive.run(loop, n)).perSecond();
        }
    }

    /** The Java client library's blocking readl: futures and a reader thread on top of the same bytes. */
    private Row clientRow() {
        double v;
        try (VplatClient guest = VplatClient.builder().address(ctx.vplatTcp().toString()).role(Role.GUEST)
                .name("vplat-bench").connect()) {
            v = meter.measure(n -> {
                long sum = 0;
                for (long i = 0; i < n; i++) {
                    sum += guest.readl(VER);
                }
                return sum;
            }).perSecond();
        }
        double floor = ctx.once("floor:rt.tcp.binary", () -> {
            WireShape shape = WireShape.Binary.memRead(VER, 4);
            try (EchoFloor f = EchoFloor.tcp(shape)) {
                return measure(f.address(), shape, false, SEQUENTIAL);
            }
        });
        return new Row("rt.tcp.client", "1", "VplatClient.readl round trips, TCP", v, Units.OPS, floor,
                "Java socket floor, same bytes", null, "the client library: a future per call and a reader thread");
    }

    private List<Row> qemuRows(WireShape binary, WireShape text, WireShape batch) {
        List<Row> rows = new ArrayList<>();
        Target twenty = Target.ratioAtLeast(20, "≥ 20× QEMU qtest");
        String qtest = "QEMU qtest, sequential text";
        if (ctx.qemu().isEmpty()) {
            for (String[] r : new String[][] {{"qemu.rt.uds.text", "1", "MMIO read round trips, UDS, text"},
                    {"qemu.rt.tcp.text", "1", "MMIO read round trips, TCP, text"},
                    {"qemu.rt.uds.binary", "1", "MMIO read round trips, UDS, binary"},
                    {"qemu.pipe.uds.binary", "2", "pipelined MMIO reads, UDS, binary"},
                    {"qemu.pipe.uds.text", "2", "pipelined MMIO reads, UDS, text"},
                    {"qemu.batch.uds", "2", "BATCH MMIO reads, UDS"}}) {
                rows.add(Row.missing(r[0], r[1], r[2], Units.OPS, "QEMU", r[0].equals("qemu.pipe.uds.binary")
                        || r[0].equals("qemu.batch.uds") ? twenty : null, BenchSettings.QEMU_NOT_FOUND));
            }
            return rows;
        }
        Path qemu = ctx.qemu().get();
        double qemuUdsSeq = onQemu(() -> QemuQtest.unix(qemu, ctx.scratch()), text, SEQUENTIAL);
        double qemuTcpSeq = onQemu(() -> QemuQtest.tcp(qemu), text, SEQUENTIAL);
        double qemuUdsPipe = onQemu(() -> QemuQtest.unix(qemu, ctx.scratch()), text, PIPELINED);
        double vUdsText = measure(ctx.vplatUnix(), text, false, SEQUENTIAL);
        double vTcpText = measure(ctx.vplatTcp(), text, false, SEQUENTIAL);
        double vUdsBinary = measure(ctx.vplatUnix(), binary, true, SEQUENTIAL);
        double vUdsPipe = measure(ctx.vplatUnix(), binary, true, PIPELINED);
        double vUdsPipeText = measure(ctx.vplatUnix(), text, false, PIPELINED);
        double vUdsBatch = measure(ctx.vplatUnix(), batch, true, BATCHED) * BATCH_COUNT;
        rows.add(new Row("qemu.rt.uds.text", "1", "MMIO read round trips, UDS, text", vUdsText, Units.OPS, qemuUdsSeq,
                qtest + ", UDS", null, ""));
        rows.add(new Row("qemu.rt.tcp.text", "1", "MMIO read round trips, TCP, text", vTcpText, Units.OPS, qemuTcpSeq,
                qtest + ", TCP", null, ""));
        rows.add(new Row("qemu.rt.uds.binary", "1", "MMIO read round trips, UDS, binary", vUdsBinary, Units.OPS,
                qemuUdsSeq, qtest + ", UDS", null, "qtest has no binary mode: vplat's fastest mode against QEMU's only one"));
        rows.add(new Row("qemu.pipe.uds.binary", "2", "pipelined MMIO reads, UDS, binary", vUdsPipe, Units.OPS,
                qemuUdsSeq, qtest + ", UDS", twenty, "libqtest waits for every reply, so this is what a qtest test gets"));
        rows.add(new Row("qemu.pipe.uds.text", "2", "pipelined MMIO reads, UDS, text", vUdsPipeText, Units.OPS,
                qemuUdsPipe, "QEMU qtest, pipelined text, UDS", null, "the same pipelined text workload on both"));
        rows.add(new Row("qemu.batch.uds", "2", "BATCH MMIO reads, UDS", vUdsBatch, Units.OPS, qemuUdsSeq,
                qtest + ", UDS", twenty, "qtest has no batch: reads per second against qtest's round trips"));
        return rows;
    }

    private double onQemu(Supplier<QemuQtest> start, WireShape shape, Drive drive) {
        try (QemuQtest q = start.get(); WireLoop loop = q.connect(shape)) {
            return meter.measure(n -> drive.run(loop, n)).perSecond();
        }
    }
}
