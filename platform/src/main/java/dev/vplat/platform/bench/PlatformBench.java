package dev.vplat.platform.bench;

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

import java.time.Duration;
import java.util.Locale;

/**
 * Throughput of the platform's hot paths, for {@code vplat bench} and for a quick look by hand
 * ({@code java -cp platform/target/classes dev.vplat.platform.bench.PlatformBench}). It is a
 * plain timed loop, not JMH: each measurement warms up for a fifth of its duration, then runs
 * batches until the duration is spent, and feeds every result into a sink so the JIT cannot
 * drop the work. Numbers are for comparing runs on one machine, not absolute truths.
 */
public final class PlatformBench {
    /** Where the benchmark maps its register bank (the VT-d default base). */
    static final long MMIO_BASE = 0xFED9_0000L;
    static final int REGISTER_OFFSET = 0x88;
    static final long RAM_BASE = 0x10_0000L;
    private static final long RAM_SIZE = 256L << 20;

    private static volatile long sink;

    private PlatformBench() {
    }

    /** Ops per second of one measurement. */
    public record Result(String name, long ops, long nanos) {
        public double opsPerSecond() {
            return ops * 1e9 / nanos;
        }
    }

    /** Guest RAM bulk copy against the plain array copy of the same size, measured in one run. */
    public record CopyComparison(int bytes, Result ramCopy, Result arraycopy) {
        /** RAM copy throughput as a fraction of System.arraycopy's (1.0 = as fast). */
        public double ratio() {
            return ramCopy.opsPerSecond() / arraycopy.opsPerSecond();
        }
    }

    /** One unit of benchmark work, run {@code iterations} times; returns a checksum of what it saw. */
    interface Workload {
        long run(long iterations);
    }

    /**
     * (a) MMIO dispatch: alternating 32-bit writes and reads of a read-write register, through
     * {@link AddressSpace} lookup, access-rule check and {@link RegisterBank} dispatch. One op is
     * one access.
     */
    public static Result mmioDispatch(Duration duration) {
        return measure("mmio-dispatch", mmioWorkload(), duration);
    }

    /** (b) Bulk read of {@code bytes} of touched guest RAM through {@link AddressSpace#read(long, byte[], int, int)}. */
    public static Result ramBulkCopy(int bytes, Duration duration) {
        return measure("ram-bulk-copy-" + bytes, ramCopyWorkload(bytes), duration);
    }

    /** (c) The baseline: {@link System#arraycopy} of {@code bytes} between two heap arrays. */
    public static Result arraycopyBaseline(int bytes, Duration duration) {
        return measure("arraycopy-" + bytes, arraycopyWorkload(bytes), duration);
    }

    /** Runs (b) and (c) back to back, each for {@code each}. */
    public static CopyComparison compareBulkCopy(int bytes, Duration each) {
        return new CopyComparison(bytes, ramBulkCopy(bytes, each), arraycopyBaseline(bytes, each));
    }

    static Workload mmioWorkload() {
        Trace trace = new Trace();
        RegisterBank bank = new RegisterBank("bench", 0x1000, trace, TraceCategory.IOMMU);
        bank.define(Register.u32("VER", 0).reset(0x10));
        bank.define(Register.u64("IQT", REGISTER_OFFSET).rw(0x7FFF0L).field("QT", 4, 15));
        ContainerRegion root = new ContainerRegion("system", Long.MAX_VALUE);
        root.add(new RamRegion("ram", new GuestRam(RAM_SIZE), 0, RAM_SIZE), RAM_BASE, 0);
        root.add(new MmioRegion("bench", bank.size(), AccessRules.DWORD_QWORD_ALIGNED, bank), MMIO_BASE, 10);
        AddressSpace space = new AddressSpace("system", root, trace, TraceCategory.MMIO);
        long addr = MMIO_BASE + REGISTER_OFFSET;
        return iterations -> {
            long sum = 0;
            for (long i = 0; i < iterations; i += 2) {
                space.write32(addr, i << 4);
                sum += space.read32(addr);
            }
            return sum;
        };
    }

    static Workload ramCopyWorkload(int bytes) {
        GuestRam ram = new GuestRam(RAM_SIZE);
        ContainerRegion root = new ContainerRegion("system", Long.MAX_VALUE);
        root.add(new RamRegion("ram", ram, 0, RAM_SIZE), RAM_BASE, 0);
        AddressSpace space = new AddressSpace("system", root, new Trace(), TraceCategory.MMIO);
        byte[] data = pattern(bytes);
        space.write(RAM_BASE, data, 0, bytes);
        byte[] dst = new byte[bytes];
        return iterations -> {
            long sum = 0;
            for (long i = 0; i < iterations; i++) {
                space.read(RAM_BASE, dst, 0, bytes);
                sum += dst[(int) (i % bytes)];
            }
            return sum;
        };
    }

    static Workload arraycopyWorkload(int bytes) {
        byte[] src = pattern(bytes);
        byte[] dst = new byte[bytes];
        return iterations -> {
            long sum = 0;
            for (long i = 0; i < iterations; i++) {
                System.arraycopy(src, 0, dst, 0, bytes);
                sum += dst[(int) (i % bytes)];
            }
            return sum;
        };
    }

    static byte[] pattern(int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (i * 13 + 7);
        }
        return b;
    }

    private static Result measure(String name, Workload work, Duration duration) {
        long budget = duration.toNanos();
        if (budget <= 0) {
            throw new IllegalArgumentException("benchmark duration must be positive");
        }
        run(work, budget / 5);
        long[] opsAndNanos = run(work, budget);
        return new Result(name, opsAndNanos[0], opsAndNanos[1]);
    }

    /** Runs growing batches until {@code budget} nanoseconds are spent; returns {ops, nanos}. */
    private static long[] run(Workload work, long budget) {
        long batch = 64;
        long ops = 0;
        long start = System.nanoTime();
        long elapsed;
        do {
            long t0 = System.nanoTime();
            sink += work.run(batch);
            ops += batch;
            long took = System.nanoTime() - t0;
            if (took < 10_000_000L) {
                batch *= 2;
            }
            elapsed = System.nanoTime() - start;
        } while (elapsed < budget);
        return new long[] {ops, elapsed};
    }

    /** Prints every measurement; {@code args[0]} is the seconds per measurement (default 2). */
    public static void main(String[] args) {
        Duration each = Duration.ofMillis((long) (1000 * (args.length > 0 ? Double.parseDouble(args[0]) : 2)));
        Result mmio = mmioDispatch(each);
        System.out.printf(Locale.ROOT, "%-24s %,16.0f ops/s%n", mmio.name(), mmio.opsPerSecond());
        for (int bytes : new int[] {4096, 64 * 1024, 1 << 20}) {
            CopyComparison c = compareBulkCopy(bytes, each);
            System.out.printf(Locale.ROOT, "%-24s %,16.0f ops/s  %8.2f GB/s%n", c.ramCopy().name(),
                    c.ramCopy().opsPerSecond(), c.ramCopy().opsPerSecond() * bytes / 1e9);
            System.out.printf(Locale.ROOT, "%-24s %,16.0f ops/s  %8.2f GB/s  ratio %.2f%n", c.arraycopy().name(),
                    c.arraycopy().opsPerSecond(), c.arraycopy().opsPerSecond() * bytes / 1e9, c.ratio());
        }
    }
}
