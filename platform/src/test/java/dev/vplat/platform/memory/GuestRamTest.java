package dev.vplat.platform.memory;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestRamTest {
    private static final long TIB = 1L << 40;

    @Test
    void oneTebibyteRamStartsWithNoPagesAndAllocatesOnlyTouchedOnes() {
        GuestRam ram = new GuestRam(TIB);
        assertEquals(0, ram.touchedPages());

        ram.write(0, 8, 0x1122334455667788L);
        ram.write(TIB - 8, 8, -1L);
        ram.write(TIB / 2 + 5, 1, 0xAB);

        assertEquals(3, ram.touchedPages());
        assertEquals(0x1122334455667788L, ram.read(0, 8));
        assertEquals(-1L, ram.read(TIB - 8, 8));
        assertEquals(0xAB, ram.read(TIB / 2 + 5, 1));
    }

    @Test
    void readsOfUntouchedPagesSeeZeroAndAllocateNothing() {
        GuestRam ram = new GuestRam(TIB);
        byte[] buf = new byte[3 * GuestRam.PAGE_SIZE];
        Arrays.fill(buf, (byte) 7);

        ram.read(12345L * GuestRam.PAGE_SIZE + 100, buf, 0, buf.length);

        assertEquals(0, ram.read(TIB - 4, 4));
        assertArrayEquals(new byte[buf.length], buf);
        assertEquals(0, ram.touchedPages());
    }

    @Test
    void scalarAccessesAreLittleEndianForEveryWidth() {
        GuestRam ram = new GuestRam(GuestRam.PAGE_SIZE);
        ram.write(0x10, 8, 0x0807060504030201L);

        assertEquals(0x01, ram.read(0x10, 1));
        assertEquals(0x0201, ram.read(0x10, 2));
        assertEquals(0x04030201L, ram.read(0x10, 4));
        assertEquals(0x0605, ram.read(0x14, 2));
        ram.write(0x12, 2, 0xBEEF);
        assertEquals(0x08070605BEEF0201L, ram.read(0x10, 8));
    }

    @Test
    void fourByteReadsAreUnsigned() {
        GuestRam ram = new GuestRam(GuestRam.PAGE_SIZE);
        ram.write(0, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, ram.read(0, 4));
    }

    @Test
    void scalarAccessCrossingAPageBoundaryUsesBothPages() {
        GuestRam ram = new GuestRam(4 * GuestRam.PAGE_SIZE);
        long at = GuestRam.PAGE_SIZE - 3;

        ram.write(at, 8, 0x8877665544332211L);

        assertEquals(0x8877665544332211L, ram.read(at, 8));
        assertEquals(0x332211, ram.read(GuestRam.PAGE_SIZE - 3, 4) & 0xFFFFFF);
        assertEquals(0x8877665544L, ram.read(GuestRam.PAGE_SIZE, 8) & 0xFF_FFFF_FFFFL);
        assertEquals(2, ram.touchedPages());
    }

    @Test
    void bulkCopiesSpanManyPagesAndKeepByteOrder() {
        GuestRam ram = new GuestRam(16 * GuestRam.PAGE_SIZE);
        byte[] src = pattern(3 * GuestRam.PAGE_SIZE + 17);

        ram.write(GuestRam.PAGE_SIZE - 5, src, 0, src.length);
        byte[] back = new byte[src.length];
        ram.read(GuestRam.PAGE_SIZE - 5, back, 0, back.length);

        assertArrayEquals(src, back);
        assertEquals(5, ram.touchedPages());
    }

    @Test
    void lastByteIsAccessibleAndOnePastItIsRejected() {
        GuestRam ram = new GuestRam(2 * GuestRam.PAGE_SIZE);
        long last = ram.size() - 1;

        ram.write(last, 1, 0x5A);
        assertEquals(0x5A, ram.read(last, 1));

        MemoryAccessException e = assertThrows(MemoryAccessException.class, () -> ram.read(ram.size(), 1));
        assertTrue(e.getMessage().contains("0x2000"), e.getMessage());
        assertThrows(MemoryAccessException.class, () -> ram.read(last, 2));
        assertThrows(MemoryAccessException.class, () -> ram.write(-1, 1, 0));
        assertThrows(MemoryAccessException.class, () -> ram.read(last, new byte[2], 0, 2));
    }

    @Test
    void bulkAccessRejectsABufferRangeOutsideTheArray() {
        GuestRam ram = new GuestRam(GuestRam.PAGE_SIZE);
        assertThrows(IndexOutOfBoundsException.class, () -> ram.read(0, new byte[4], 2, 4));
    }

    @Test
    void widthsOtherThanOneTwoFourEightAreRejectedEvenAcrossPages() {
        GuestRam ram = new GuestRam(2 * GuestRam.PAGE_SIZE);
        assertThrows(IllegalArgumentException.class, () -> ram.read(0, 3));
        assertThrows(IllegalArgumentException.class, () -> ram.write(GuestRam.PAGE_SIZE - 1, 3, 0));
    }

    @Test
    void sizesMustBePageMultiplesUpToTwoToTheFiftyTwo() {
        assertThrows(IllegalArgumentException.class, () -> new GuestRam(1000));
        assertThrows(IllegalArgumentException.class, () -> new GuestRam(GuestRam.MAX_SIZE + GuestRam.PAGE_SIZE));
        assertEquals(GuestRam.MAX_SIZE, new GuestRam(GuestRam.MAX_SIZE).size());
    }

    @Test
    void zeroFillOfWholePagesReleasesThem() {
        GuestRam ram = new GuestRam(8 * GuestRam.PAGE_SIZE);
        ram.fill(0, 4 * GuestRam.PAGE_SIZE, (byte) 0x11);
        assertEquals(4, ram.touchedPages());

        ram.fill(GuestRam.PAGE_SIZE, 2 * GuestRam.PAGE_SIZE, (byte) 0);

        assertEquals(2, ram.touchedPages());
        assertEquals(0x11, ram.read(GuestRam.PAGE_SIZE - 1, 1));
        assertEquals(0, ram.read(GuestRam.PAGE_SIZE, 8));
        assertEquals(0x11, ram.read(3 * GuestRam.PAGE_SIZE, 1));
    }

    @Test
    void aPageTouchedAfterAnotherWasReleasedStartsZeroed() {
        GuestRam ram = new GuestRam(1L << 40);
        ram.fill(0, GuestRam.PAGE_SIZE, (byte) 0x5A);
        ram.fill(0, GuestRam.PAGE_SIZE, (byte) 0);
        long far = 1L << 39;
        ram.write(far + 8, 1, 0x77);
        assertEquals(1, ram.touchedPages());
        assertEquals(0, ram.read(far, 8), "a reused frame is cleared before it backs another page");
        assertEquals(0x77, ram.read(far + 8, 1));
        assertEquals(0, ram.read(0, 8));
    }

    @Test
    void manyScatteredPagesAcrossSlabsKeepTheirContents() {
        GuestRam ram = new GuestRam(1L << 40);
        int n = 5 * GuestRam.SLAB_PAGES + 3;
        for (long i = 0; i < n; i++) {
            ram.write(i * 0x10_0000_0000L / 64 + i * GuestRam.PAGE_SIZE, 8, i * 0x0101_0101L);
        }
        assertEquals(n, ram.touchedPages());
        for (long i = 0; i < n; i++) {
            assertEquals(i * 0x0101_0101L, ram.read(i * 0x10_0000_0000L / 64 + i * GuestRam.PAGE_SIZE, 8));
        }
    }

    @Test
    void pagesStayReachableAfterOthersInTheSameProbeRunAreReleased() {
        GuestRam ram = new GuestRam(1L << 40);
        int n = 5000;
        for (long p = 0; p < n; p++) {
            ram.write(p * 7919 * GuestRam.PAGE_SIZE, 8, p + 1);
        }
        for (long p = 0; p < n; p += 2) {
            ram.fill(p * 7919 * GuestRam.PAGE_SIZE, GuestRam.PAGE_SIZE, (byte) 0);
        }

        assertEquals(n / 2, ram.touchedPages());
        for (long p = 0; p < n; p++) {
            assertEquals(p % 2 == 0 ? 0 : p + 1, ram.read(p * 7919 * GuestRam.PAGE_SIZE, 8), "page " + p);
        }
    }

    @Test
    void copyToAnOverlappingHigherDestinationBehavesLikeMemmove() {
        GuestRam ram = new GuestRam(512 * GuestRam.PAGE_SIZE);
        byte[] src = pattern(300 * GuestRam.PAGE_SIZE);
        ram.write(100, src, 0, src.length);

        ram.copy(100, 100 + GuestRam.PAGE_SIZE + 3, src.length);

        byte[] back = new byte[src.length];
        ram.read(100 + GuestRam.PAGE_SIZE + 3, back, 0, back.length);
        assertArrayEquals(src, back);
    }

    @Test
    void copyToAnOverlappingLowerDestinationBehavesLikeMemmove() {
        GuestRam ram = new GuestRam(16 * GuestRam.PAGE_SIZE);
        byte[] src = pattern(5 * GuestRam.PAGE_SIZE);
        ram.write(2 * GuestRam.PAGE_SIZE + 9, src, 0, src.length);

        ram.copy(2 * GuestRam.PAGE_SIZE + 9, 7, src.length);

        byte[] back = new byte[src.length];
        ram.read(7, back, 0, back.length);
        assertArrayEquals(src, back);
    }

    @Test
    void copyFromUntouchedPagesZeroesTheDestinationWithoutAllocatingNewPages() {
        GuestRam ram = new GuestRam(16 * GuestRam.PAGE_SIZE);
        ram.fill(8 * GuestRam.PAGE_SIZE, GuestRam.PAGE_SIZE, (byte) 0x33);

        ram.copy(0, 8 * GuestRam.PAGE_SIZE, 4 * GuestRam.PAGE_SIZE);

        assertEquals(0, ram.read(8 * GuestRam.PAGE_SIZE + 100, 8));
        assertEquals(1, ram.touchedPages());
    }

    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }
}
