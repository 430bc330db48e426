package dev.vplat.platform.jmh;

import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.memory.ContainerRegion;
import dev.vplat.platform.memory.GuestRam;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.memory.RamRegion;
import dev.vplat.platform.regs.Register;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The same three measurements as {@code PlatformBench}, under JMH for careful numbers. Run by
 * hand after {@code mvn -o -pl platform test-compile}; see docs/architecture.md for the
 * command line.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PlatformJmh {
    private static final long MMIO_BASE = 0xFED9_0000L;
    private static final long RAM_BASE = 0x10_0000L;
    private static final long RAM_SIZE = 64L << 20;

    private static ContainerRegion systemWithRam(GuestRam ram) {
        ContainerRegion root = new ContainerRegion("system", Long.MAX_VALUE);
        root.add(new RamRegion("ram", ram, 0, RAM_SIZE), RAM_BASE, 0);
        return root;
    }

    /** A VT-d-like register bank mapped above RAM. */
    @State(Scope.Thread)
    public static class Mmio {
        AddressSpace space;
        long tail;

        @Setup
        public void setUp() {
            Trace trace = new Trace();
            RegisterBank bank = new RegisterBank("bench", 0x1000, trace, TraceCategory.IOMMU);
            bank.define(Register.u64("IQT", 0x88).rw(0x7FFF0L));
            ContainerRegion root = systemWithRam(new GuestRam(RAM_SIZE));
            root.add(new MmioRegion("bench", bank.size(), AccessRules.DWORD_QWORD_ALIGNED, bank), MMIO_BASE, 10);
            space = new AddressSpace("system", root, trace, TraceCategory.MMIO);
        }
    }

    /** Touched guest RAM and a heap array with the same bytes. */
    @State(Scope.Thread)
    public static class Copy {
        @Param({"4096", "65536", "1048576"})
        public int bytes;

        AddressSpace space;
        byte[] src;
        byte[] dst;

        @Setup
        public void setUp() {
            space = new AddressSpace("system", systemWithRam(new GuestRam(RAM_SIZE)), new Trace(), TraceCategory.MMIO);
            src = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                src[i] = (byte) (i * 13 + 7);
            }
            dst = new byte[bytes];
            space.write(RAM_BASE, src, 0, bytes);
        }
    }

    @Benchmark
    public long mmioWriteThenRead(Mmio s) {
        s.tail = (s.tail + 16) & 0x7FFF0L;
        s.space.write32(MMIO_BASE + 0x88, s.tail);
        return s.space.read32(MMIO_BASE + 0x88);
    }

    @Benchmark
    public byte[] ramBulkRead(Copy s) {
        s.space.read(RAM_BASE, s.dst, 0, s.bytes);
        return s.dst;
    }

    @Benchmark
    public byte[] arraycopy(Copy s) {
        System.arraycopy(s.src, 0, s.dst, 0, s.bytes);
        return s.dst;
    }
}
