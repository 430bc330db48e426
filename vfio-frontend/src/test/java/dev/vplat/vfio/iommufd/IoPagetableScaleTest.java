package dev.vplat.vfio.iommufd;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A million areas: placement, lookup and removal stay logarithmic (tree and hole set, no area scans). */
class IoPagetableScaleTest {
    private static final int N = 1_000_000;

    @Test
    void millionFixedAndAutomaticAreasMapAndUnmap() {
        IommufdFixture f = IommufdFixture.create();
        IoPagetable iopt = new IoPagetable();
        IoPages pages = new IoPages(f.proc, 0x7f00_0000_0000L, true, AccountMode.USER);
        List<IoPagetable.Slice> one = List.of(new IoPagetable.Slice(pages, 0, 4096));
        for (int i = 0; i < N / 2; i++) {
            iopt.map(one, 4096, 0x1_0000_0000L + 8192L * i, false, 3);
        }
        long last = 0;
        for (int i = 0; i < N / 2; i++) {
            last = iopt.map(one, 4096, 0, true, 3);
        }
        assertEquals(N, iopt.areaCount());
        assertEquals(4096L * (N / 2), last, "automatic placement fills from PAGE_SIZE up, back to back");
        for (int i = 0; i < N / 2; i++) {
            iopt.unmap(0x1_0000_0000L + 8192L * i, 0x1_0000_0000L + 8192L * i + 4095);
        }
        assertEquals(N / 2, iopt.areaCount());
        assertEquals(4096L * (N / 2), iopt.unmapAll());
        assertEquals(0, pages.areaRefs());
    }
}
