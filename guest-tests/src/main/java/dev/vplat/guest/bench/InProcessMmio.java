package dev.vplat.guest.bench;

import dev.vplat.platform.memory.AddressSpace;

/**
 * In-process MMIO: 32-bit reads of VT-d's VER register through the default q35 machine's system
 * address space (flat-view lookup, access rules, the register bank), against 32-bit reads of
 * RAM through the same address space — the dispatch floor, where the only work is the lookup.
 */
final class InProcessMmio {
    private static final long RAM_ADDRESS = 0x10_0000L;

    private final BenchContext ctx;

    InProcessMmio(BenchContext ctx) {
        this.ctx = ctx;
    }

    Row row() {
        AddressSpace system = ctx.inProcess().machine().system();
        Meter meter = ctx.meter();
        long version = system.read(WireBench.VER, 4);
        if (version != 0x10) {
            throw new IllegalStateException("VT-d VER at 0xFED90000 reads 0x" + Long.toHexString(version) + ", not 0x10");
        }
        double mmio = meter.measure(n -> {
            long sum = 0;
            for (long i = 0; i < n; i++) {
                sum += system.read(WireBench.VER, 4);
            }
            return sum;
        }).perSecond();
        double ram = meter.measure(n -> {
            long sum = 0;
            for (long i = 0; i < n; i++) {
                sum += system.read(RAM_ADDRESS, 4);
            }
            return sum;
        }).perSecond();
        return new Row("mmio.inproc", "1", "in-process MMIO reads (VT-d VER via AddressSpace)", mmio, Units.OPS, ram,
                "RAM reads via the same AddressSpace", Target.valueAtLeast(10e6, "≥ 10M ops/s"), "");
    }
}
