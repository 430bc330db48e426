package dev.vplat.guest.bench;

import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.sdk.DmaPort;
import dev.vplat.platform.memory.AddressSpace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.vplat.guest.drivers.VtdRegs.SL_ADDR_MASK;

/**
 * Item 4, in process against the VT-d model ({@link VtdBenchMachine}): translations per second
 * that hit the IOTLB and that miss it and walk four levels, and bulk DMA through the unit.
 * Baselines: for hits a direct-mapped array lookup (the least a software TLB can do), for
 * misses the four dependent table reads through the same address space that a walk must make,
 * for bulk DMA {@link System#arraycopy} of the same size.
 */
final class IommuBench {
    static final int HIT_PAGES = 256, MISS_PAGES = 1 << 16, BULK_BYTES = 64 << 10;

    private final BenchContext ctx;

    IommuBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        VtdBenchMachine m = new VtdBenchMachine();
        m.mapPages(MISS_PAGES);
        Meter meter = ctx.meter();
        List<Row> rows = new ArrayList<>();

        double hits = meter.measure(translations(m, HIT_PAGES - 1)).perSecond();
        double arrayTlb = meter.measure(directMappedLookup(HIT_PAGES - 1)).perSecond();
        rows.add(new Row("iotlb.hit", "4", "VT-d translations, IOTLB hits (" + HIT_PAGES + " pages)", hits, Units.OPS,
                arrayTlb, "direct-mapped array lookup", Target.valueAtLeast(20e6, "≥ 20M/s"), ""));

        Meter.Workload misses = translations(m, MISS_PAGES - 1);
        Meter.Rate missRate = meter.measure(misses);
        long walksBefore = m.unit.pageWalks();
        misses.run(MISS_PAGES);
        double walksPerTranslation = (m.unit.pageWalks() - walksBefore) / (double) MISS_PAGES;
        double rawWalk = meter.measure(rawWalk(m)).perSecond();
        rows.add(new Row("iotlb.miss", "4", "VT-d translations, 4-level walks (" + MISS_PAGES + " pages)",
                missRate.perSecond(), Units.OPS, rawWalk, "4 dependent table reads via AddressSpace",
                Target.valueAtLeast(3e6, "≥ 3M/s"), String.format(Locale.ROOT,
                "about %.2f page walks per translation (IOTLB holds 4096 entries, the scan cycles through %d pages)",
                walksPerTranslation, MISS_PAGES)));

        DmaPort port = m.port();
        byte[] dst = new byte[BULK_BYTES];
        DmaResult check = port.read(0, dst);
        if (!check.ok()) {
            throw new IllegalStateException("bulk DMA through VT-d failed: " + check);
        }
        double dma = meter.measure(n -> {
            long sum = 0;
            for (long i = 0; i < n; i++) {
                sum += port.read(0, dst).transferred();
            }
            return sum;
        }).perSecond() * BULK_BYTES;
        byte[] src = new byte[BULK_BYTES];
        double copy = meter.measure(n -> {
            long sum = 0;
            for (long i = 0; i < n; i++) {
                System.arraycopy(src, 0, dst, 0, BULK_BYTES);
                sum += dst[(int) (i & (BULK_BYTES - 1))];
            }
            return sum;
        }).perSecond() * BULK_BYTES;
        rows.add(new Row("dma.bulk", "4", "bulk DMA read through VT-d (64 KiB, IOTLB warm)", dma, Units.BYTES_PER_SECOND,
                copy, "System.arraycopy of 64 KiB", Target.ratioAtLeast(0.5, "≥ 0.5 of raw copy"), ""));
        return rows;
    }

    /**
     * Reads of successive pages {@code 0 … pageMask}, the position carried across the meter's
     * batches so that a short batch never re-reads pages the previous one just cached.
     */
    private static Meter.Workload translations(VtdBenchMachine m, int pageMask) {
        long[] cursor = {0};
        return n -> {
            long sum = 0;
            long i = cursor[0];
            for (long end = i + n; i < end; i++) {
                sum += m.unit.translate(m.sourceId, -1, (i & pageMask) << 12, false).address();
            }
            cursor[0] = i;
            return sum;
        };
    }

    private static Meter.Workload rawWalk(VtdBenchMachine m) {
        AddressSpace mem = m.memory;
        long top = m.entryAddress(0, 4) & ~0xFFFL;
        long[] cursor = {0};
        return n -> {
            long sum = 0;
            long i = cursor[0];
            for (long end = i + n; i < end; i++) {
                long iova = (i & (MISS_PAGES - 1)) << 12;
                long table = top;
                for (int level = 4; level >= 1; level--) {
                    long e = mem.read(table + 8L * ((iova >>> (12 + 9 * (level - 1))) & 0x1FF), 8);
                    table = e & SL_ADDR_MASK;
                }
                sum += table;
            }
            cursor[0] = i;
            return sum;
        };
    }

    /** A software TLB at its simplest: tag and value arrays indexed by the page number's low bits. */
    private static Meter.Workload directMappedLookup(int pageMask) {
        long[] tags = new long[pageMask + 1];
        long[] values = new long[pageMask + 1];
        for (int i = 0; i <= pageMask; i++) {
            tags[i] = i;
            values[i] = VtdBenchMachine.TARGETS + ((long) i << 12);
        }
        return n -> {
            long sum = 0;
            for (long i = 0; i < n; i++) {
                long page = i & pageMask;
                int slot = (int) (page & pageMask);
                sum += tags[slot] == page ? values[slot] : -1;
            }
            return sum;
        };
    }
}
