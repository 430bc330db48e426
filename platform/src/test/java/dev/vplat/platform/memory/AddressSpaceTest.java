package dev.vplat.platform.memory;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Accesses through an address space: RAM, MMIO rules, unassigned space, straddling, bulk. */
class AddressSpaceTest {
    private static final long RAM_BASE = 0x10_0000;
    private static final long RAM_SIZE = 0x4000;
    private static final long RAM_END = RAM_BASE + RAM_SIZE;

    private final Trace trace = new Trace();
    private final ContainerRegion root = new ContainerRegion("system", Long.MAX_VALUE);
    private final AddressSpace space = new AddressSpace("system", root, trace, TraceCategory.MMIO);
    private final GuestRam ram = new GuestRam(RAM_SIZE);

    AddressSpaceTest() {
        root.add(new RamRegion("ram", ram, 0, RAM_SIZE), RAM_BASE, 0);
    }

    @Test
    void lastByteOfRamIsRamAndOnePastItReadsAllOnes() {
        space.write(RAM_END - 1, 1, 0x42);

        assertEquals(0x42, space.read(RAM_END - 1, 1));
        assertEquals(0xFF, space.read(RAM_END, 1));
        assertEquals(0xFFFF_FFFFL, space.read32(RAM_END));
        assertTrue(space.isRam(RAM_END - 1, 1));
        assertFalse(space.isRam(RAM_END, 1));
    }

    @Test
    void accessStraddlingTheEndOfRamReadsRamBytesThenAllOnes() {
        space.write(RAM_END - 2, 2, 0xBBAA);

        assertEquals(0xFFFF_BBAAL, space.read32(RAM_END - 2));
    }

    @Test
    void writeStraddlingTheEndOfRamStoresTheRamPartAndDropsTheRest() {
        space.write32(RAM_END - 1, 0x11223344);

        assertEquals(0x44, ram.read(RAM_SIZE - 1, 1));
        assertEquals(1, ram.touchedPages());
    }

    @Test
    void accessStartingInAHoleAndEndingInRamReadsTheRamPart() {
        ram.write(0, 2, 0xBEEF);

        assertEquals(0xBEEF_FFFFL, space.read32(RAM_BASE - 2));
        space.write32(RAM_BASE - 2, 0x1234_5678);
        assertEquals(0x1234, ram.read(0, 2));
    }

    @Test
    void accessStraddlingRamAndMmioSendsEachPartToItsRegion() {
        RecordingMmio dev = new RecordingMmio(0xA1);
        root.add(new MmioRegion("dev", 0x1000, AccessRules.ANY, dev), RAM_END, 10);
        ram.write(RAM_SIZE - 2, 2, 0x0302);

        long v = space.read32(RAM_END - 2);

        assertEquals(0x0302, v & 0xFFFF);
        assertEquals(List.of("r2@0"), dev.accesses);
    }

    @Test
    void accessStraddlingTwoAdjacentRamBlocksIsOneValue() {
        GuestRam second = new GuestRam(0x1000);
        root.add(new RamRegion("ram2", second, 0, 0x1000), RAM_END, 0);

        space.write64(RAM_END - 4, 0x8877665544332211L);

        assertEquals(0x8877665544332211L, space.read64(RAM_END - 4));
        assertEquals(0x88776655L, second.read(0, 4));
        assertEquals(0x8877665544332211L, space.readRam(RAM_END - 4, 8));
    }

    @Test
    void unassignedWritesAreDroppedAndBulkReadsReportTheHole() {
        space.write64(0x5000, 7);
        byte[] buf = new byte[16];

        boolean decoded = space.read(RAM_BASE - 8, buf, 0, buf.length);

        assertFalse(decoded);
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) 0xFF, buf[i]);
            assertEquals(0, buf[8 + i]);
        }
    }

    @Test
    void bulkWriteAndReadThroughRamRoundTrip() {
        byte[] src = GuestRamTest.pattern((int) RAM_SIZE - 3);
        assertTrue(space.write(RAM_BASE + 3, src, 0, src.length));
        byte[] back = new byte[src.length];
        assertTrue(space.read(RAM_BASE + 3, back, 0, back.length));
        assertArrayEquals(src, back);
    }

    @Test
    void mmioRejectsSizesAndMisalignmentItsRulesExclude() {
        RecordingMmio dev = new RecordingMmio(0x1234_5678L);
        root.add(new MmioRegion("dev", 0x100, AccessRules.DWORD_QWORD_ALIGNED, dev), 0x2000_0000L, 10);

        assertEquals(0xFF, space.read(0x2000_0000L, 1));
        assertEquals(0xFFFF_FFFFL, space.read32(0x2000_0002L));
        space.write(0x2000_0000L, 2, 0xAA);
        assertEquals(0x1234_5678L, space.read32(0x2000_0004L));
        assertEquals(List.of("r4@4"), dev.accesses);
    }

    @Test
    void regionThatReadsZeroWhenInvalidSaysSo() {
        RecordingMmio dev = new RecordingMmio(5);
        AccessRules rules = AccessRules.DWORD_QWORD_ALIGNED.readingZeroWhenInvalid();
        root.add(new MmioRegion("vtd", 0x1000, rules, dev), 0xFED9_0000L, 10);

        assertEquals(0, space.read(0xFED9_0000L, 1));
        assertEquals(0, space.read64(0xFED9_0014L));
        assertTrue(dev.accesses.isEmpty());
    }

    @Test
    void mmioValuesAreTruncatedToTheAccessSize() {
        RecordingMmio dev = new RecordingMmio(-1L);
        root.add(new MmioRegion("dev", 0x100, AccessRules.ANY, dev), 0x3000_0000L, 10);

        assertEquals(0xFFFF, space.read(0x3000_0000L, 2));
        space.write(0x3000_0000L, 1, 0x1FF);
        assertEquals("w1@0=ff", dev.accesses.get(1));
    }

    @Test
    void bulkMmioCopyUsesTheWidestAccessTheRegionAdmits() {
        RecordingMmio dev = new RecordingMmio(0);
        root.add(new MmioRegion("dev", 0x100, AccessRules.sizes(4, 8), dev), 0x4000_0000L, 10);

        space.write(0x4000_0004L, new byte[12], 0, 12);

        assertEquals(List.of("w4@4=0", "w8@8=0"), dev.accesses);
    }

    @Test
    void readRamRefusesMmioAndHoles() {
        root.add(new MmioRegion("dev", 0x100, AccessRules.ANY, new RecordingMmio(0)), 0x4000_0000L, 10);

        assertThrows(MemoryAccessException.class, () -> space.readRam(0x4000_0000L, 4));
        assertThrows(MemoryAccessException.class, () -> space.readRam(RAM_END - 4, 8));
        assertThrows(MemoryAccessException.class, () -> space.writeRam(0, 4, 1));
    }

    @Test
    void negativeAddressesAreNeverDecoded() {
        assertEquals(-1L, space.read64(-8));
        byte[] buf = new byte[4];
        assertFalse(space.read(-2, buf, 0, 4));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, buf);
    }

    @Test
    void illegalAccessSizeIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> space.read(RAM_BASE, 3));
        assertThrows(IllegalArgumentException.class, () -> space.write(RAM_BASE, 16, 0));
    }

    @Test
    void traceNamesTheRegionOffsetAndValueOfAnMmioAccess() {
        trace.enable(EnumSet.of(TraceCategory.MMIO));
        root.add(new MmioRegion("uart", 0x100, AccessRules.ANY, new RecordingMmio(0x61)), 0x3F8, 10);

        space.read(0x3FD, 1);

        assertEquals(List.of("0 mmio uart: read8 +0x5 -> 0x61"), trace.tail());
    }
}
