package dev.vplat.iommu.vtd;

import java.util.Locale;

/**
 * Hand-run throughput measurement (not a unit test): translations per second with IOTLB hits
 * and with 4-level page walks. Run with
 * {@code java -cp <test-classes>:<classes>:... dev.vplat.iommu.vtd.TranslationBench}.
 */
public final class TranslationBench {
    private static final int SID = 0x0008;
    private static final int PAGES = 1 << 16;

    private TranslationBench() {
    }

    public static void main(String[] args) {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 2, 1);
        for (int i = 0; i < PAGES; i++) {
            h.map4k(pt, 4, (long) i << 12, 0x1000_0000L + ((long) i << 12), VtdHarness.RW);
        }
        for (int round = 0; round < 3; round++) {
            report("IOTLB hit (256 pages)", measure(h, 255, 20_000_000));
            report("4-level miss (65536 pages)", measure(h, PAGES - 1, 2_000_000));
        }
        System.out.println("page walks: " + h.unit.pageWalks());
    }

    private static double measure(VtdHarness h, int pageMask, int n) {
        long sink = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sink += h.unit.translate(SID, -1, (long) (i & pageMask) << 12, false).address();
        }
        long t1 = System.nanoTime();
        if (sink == 42) {
            System.out.println();
        }
        return n / ((t1 - t0) / 1e9);
    }

    private static void report(String what, double perSecond) {
        System.out.println(String.format(Locale.ROOT, "%-28s %,15.0f translations/s", what, perSecond));
    }
}
