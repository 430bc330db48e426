package dev.vplat.guest.bench;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.SocketTransport;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.drivers.EduDriver;
import dev.vplat.guest.drivers.GuestPageAllocator;
import dev.vplat.guest.drivers.VtdDomain;
import dev.vplat.guest.drivers.VtdDriver;
import dev.vplat.guest.pci.Bar;
import dev.vplat.guest.pci.Bdf;
import dev.vplat.guest.pci.EcamConfigAccess;
import dev.vplat.guest.pci.PciDev;
import dev.vplat.guest.pci.ResourceAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Item 3: a client-driven edu DMA cycle through the guest-owned VT-d unit dmar0, with the guest
 * drivers: write a fresh pattern into a source page, DMA it into the device buffer (program,
 * step the clock 100 ms, poll idle), DMA it back out into a sink page, read the sink and check
 * it. The baseline is the transport floor's round-trip rate divided by the round trips one cycle
 * takes (counted on the wire): how fast the cycle could go if the server cost nothing.
 */
final class DmaCycleBench {
    static final Bdf EDU = Bdf.parse("00:03.0");
    private static final long IOVA_SOURCE = 0x10_0000L, IOVA_SINK = 0x20_0000L;
    private static final int BYTES = 256;
    /** Where an unassigned edu BAR goes: the window the guest suites use, clear of firmware's. */
    private static final long BAR_WINDOW = 0xE000_0000L;

    private final BenchContext ctx;

    DmaCycleBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        List<Row> rows = new ArrayList<>();
        rows.add(vplatRow());
        rows.add(qemuRow());
        return rows;
    }

    private Row vplatRow() {
        CountingTransport wire;
        try {
            wire = new CountingTransport(SocketTransport.connect(ctx.vplatTcp()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (VplatClient guest = VplatClient.builder().transport(wire).role(Role.GUEST).name("vplat-bench-dma").connect()) {
            Cycle cycle = new Cycle(guest);
            long before = wire.sent();
            cycle.once(0);
            long perCycle = wire.sent() - before;
            double rate = ctx.meter().measure(n -> {
                for (long i = 0; i < n; i++) {
                    cycle.once((int) i);
                }
                return n;
            }).perSecond();
            double floor = ctx.once("floor:rt.tcp.binary", () -> floorRoundTrips());
            return new Row("dma.edu.vtd", "3", "edu DMA cycles through VT-d (client-driven)", rate, Units.OPS,
                    floor / perCycle, "floor round trips ÷ " + perCycle + " per cycle", null,
                    String.format(Locale.ROOT, "one cycle = %d round trips: pattern write, 2 × (4 register writes, "
                            + "clock step, idle poll), sink read", perCycle));
        }
    }

    private double floorRoundTrips() {
        WireShape shape = WireShape.Binary.memRead(WireBench.VER, 4);
        try (EchoFloor f = EchoFloor.tcp(shape); WireLoop loop = WireLoop.connect(f.address(), shape)) {
            return ctx.meter().measure(loop::sequential).perSecond();
        }
    }

    /** The guest side of one cycle: VT-d brought up, edu's domain mapping a source and a sink page. */
    private static final class Cycle {
        private final VplatClient guest;
        private final EduDriver edu;
        private final long source, sink;

        Cycle(VplatClient guest) {
            this.guest = guest;
            MachineInfo info = guest.machineInfo();
            MachineInfo.Iommu unit = info.iommus().stream()
                    .filter(u -> u.kind().equals("intel-iommu") && u.owner().equals("guest") && u.scope().contains(EDU.toString()))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no guest-owned VT-d unit covers edu at " + EDU));
            long hostPool = info.memory().stream().filter(m -> m.kind().equals("host-reserved"))
                    .mapToLong(MachineInfo.MemoryRange::base).min().orElse(GuestPageAllocator.DEFAULT_LIMIT);
            GuestPageAllocator pages = new GuestPageAllocator(guest, GuestPageAllocator.DEFAULT_BASE,
                    Math.min(GuestPageAllocator.DEFAULT_LIMIT, hostPool));
            PciDev dev = new PciDev(guest, new EcamConfigAccess(guest, info.ecamBase().orElse(EcamConfigAccess.Q35_ECAM_BASE)), EDU);
            ResourceAllocator bars = new ResourceAllocator(BAR_WINDOW, BAR_WINDOW + (2 << 20) - 1, 0xD000, 0xD0FF);
            for (Bar b : dev.probeBars()) {
                if (b.address() == 0) {
                    dev.mapBar(b.index(), bars);
                }
            }
            edu = new EduDriver(dev);
            edu.probe();
            VtdDriver vtd = new VtdDriver(guest, unit.base(), pages);
            vtd.quiesce();
            vtd.bringUp(0xFEE0_0000L, 0x50);
            source = pages.alloc(4096, 4096);
            sink = pages.alloc(4096, 4096);
            VtdDomain domain = vtd.createDomain();
            vtd.attach(domain, EDU);
            vtd.map(domain, IOVA_SOURCE, source, 4096, true, false);
            vtd.map(domain, IOVA_SINK, sink, 4096, false, true);
            vtd.enableTranslation();
        }

        void once(int seed) {
            byte[] data = new byte[BYTES];
            for (int i = 0; i < BYTES; i++) {
                data[i] = (byte) (seed * 31 + i * 7);
            }
            guest.memWrite(source, data);
            edu.dma(IOVA_SOURCE, 0, BYTES, false, false);
            edu.dma(IOVA_SINK, 0, BYTES, true, false);
            byte[] back = guest.memRead(sink, BYTES);
            if (!Arrays.equals(data, back)) {
                throw new IllegalStateException("edu DMA through VT-d delivered different bytes (cycle " + seed + ")");
            }
        }
    }

    /**
     * The same cycle's first steps on QEMU over qtest text: find edu by config mechanism #1,
     * give BAR0 an address, enable memory and bus mastering, program a DMA and step the clock.
     * Under {@code -S} without the qtest accelerator virtual time cannot move, so the row
     * reports what QEMU answered instead of a rate.
     */
    private Row qemuRow() {
        String what = "edu DMA cycles through VT-d (client-driven)";
        if (ctx.qemu().isEmpty()) {
            return Row.missing("qemu.dma.edu", "3", what, Units.OPS, "QEMU", null,
                    BenchSettings.QEMU_NOT_FOUND);
        }
        try (QemuQtest q = QemuQtest.unix(ctx.qemu().get(), ctx.scratch());
             WireLoop t = q.connect(WireShape.Text.readl(WireBench.VER))) {
            int slot = -1;
            for (int dev = 0; dev < 32 && slot < 0; dev++) {
                t.exchange("outl 0xcf8 0x" + Integer.toHexString(0x8000_0000 | dev << 11));
                if (t.exchange("inl 0xcfc").equals("OK 0x11e81234")) {
                    slot = dev;
                }
            }
            if (slot < 0) {
                return Row.missing("qemu.dma.edu", "3", what, Units.OPS, "QEMU", null, "QEMU shows no edu on bus 0");
            }
            int cfg = 0x8000_0000 | slot << 11;
            long bar = 0xFEA0_0000L;
            t.exchange("outl 0xcf8 0x" + Integer.toHexString(cfg | 0x10));
            t.exchange("outl 0xcfc 0x" + Long.toHexString(bar));
            t.exchange("outl 0xcf8 0x" + Integer.toHexString(cfg | 0x04));
            t.exchange("outl 0xcfc 0x6");
            t.exchange("writeq 0x" + Long.toHexString(bar + EduDriver.REG_DMA_SRC) + " 0x100000");
            t.exchange("writeq 0x" + Long.toHexString(bar + EduDriver.REG_DMA_DST) + " 0x" + Long.toHexString(EduDriver.BUFFER));
            t.exchange("writeq 0x" + Long.toHexString(bar + EduDriver.REG_DMA_COUNT) + " 0x" + Integer.toHexString(BYTES));
            t.exchange("writeq 0x" + Long.toHexString(bar + EduDriver.REG_DMA_CMD) + " 0x" + Integer.toHexString(EduDriver.DMA_START));
            String step = t.exchange("clock_step " + EduDriver.DMA_DELAY_NS);
            String cmd = t.exchange("readq 0x" + Long.toHexString(bar + EduDriver.REG_DMA_CMD));
            String note = step.startsWith("OK")
                    ? String.format(Locale.ROOT, "QEMU answered clock_step with '%s' and the DMA command register then "
                    + "reads '%s'; no QEMU cycle rate is measured (the VT-d cycle is driven through vplat's binary client)", step, cmd)
                    : String.format(Locale.ROOT, "cannot complete on QEMU: clock_step answered '%s' and edu's DMA command "
                    + "register then reads '%s' (under -S without the qtest accelerator virtual time stands still, so the "
                    + "100 ms edu timer never fires)", step, cmd);
            return Row.missing("qemu.dma.edu", "3", what, Units.OPS, "QEMU", null, note);
        }
    }
}
