package dev.vplat.pci;

import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BarTest {
    /** Reads back offset + 0xA000_0000 so tests can tell which BAR and offset answered. */
    static final MmioOps ECHO = new MmioOps() {
        @Override
        public long read(long offset, int size) {
            return 0xA000_0000L + offset;
        }

        @Override
        public void write(long offset, int size, long value) {
        }
    };

    private static PciFunction allKinds(Bench b) {
        return b.plugSpec("bars", "08.0", c -> FunctionSpec.builder(0x1234, 0x0BA5)
                .bar(0, BarSpec.memory32(1 << 20, AccessRules.ANY, ECHO))
                .bar(1, BarSpec.io(256, AccessRules.ANY, ECHO))
                .bar(2, BarSpec.memory64(8L << 30, true, AccessRules.ANY, ECHO))
                .bar(4, BarSpec.memory64(16 << 10, false, AccessRules.ANY, ECHO))
                .rom(64 << 10, ECHO)
                .build());
    }

    private static long size(Bench b, PciFunction f, int reg) {
        b.cfgWrite(f, reg, 4, 0xFFFF_FFFFL);
        return b.cfgRead(f, reg, 4);
    }

    @Test
    void memory32BarSizesAsOneMegabyteNonPrefetchable() {
        Bench b = new Bench();
        assertEquals(0xFFF0_0000L, size(b, allKinds(b), 0x10));
    }

    @Test
    void ioBarSizesWithSpaceBitSet() {
        Bench b = new Bench();
        assertEquals(0xFFFF_FF01L, size(b, allKinds(b), 0x14));
    }

    @Test
    void prefetchable64BitBarSizesAcrossBothDwords() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        assertEquals(0x0000_000CL, size(b, f, 0x18), "8 GiB: low dword keeps only type 64 | prefetchable");
        assertEquals(0xFFFF_FFFEL, size(b, f, 0x1C));
    }

    @Test
    void nonPrefetchable64BitBarReportsType64() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        assertEquals(0xFFFF_C004L, size(b, f, 0x20));
        assertEquals(0xFFFF_FFFFL, size(b, f, 0x24));
    }

    @Test
    void unimplementedBarReadsZeroAfterSizing() {
        Bench b = new Bench();
        PciFunction f = b.plugSpec("one", "08.0", c -> FunctionSpec.builder(0x1234, 1)
                .bar(0, BarSpec.memory32(4096, AccessRules.ANY, ECHO)).build());
        assertEquals(0L, size(b, f, 0x14));
        assertNull(f.bar(1));
    }

    @Test
    void romBarSizesWithEnableBitWritable() {
        Bench b = new Bench();
        assertEquals(0xFFFF_0001L, size(b, allKinds(b), 0x30));
    }

    @Test
    void barDecodesOnlyWhileCommandMemIsSet() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.cfgWrite(f, 0x10, 4, 0xFE00_0000L);
        assertEquals(0xFFFF_FFFFL, b.machine.system().read(0xFE00_0010L, 4), "Command.MEM clear: master abort");
        b.cfgWrite(f, 0x04, 2, 0x2);
        assertEquals(0xA000_0010L, b.machine.system().read(0xFE00_0010L, 4));
        b.cfgWrite(f, 0x04, 2, 0x0);
        assertEquals(0xFFFF_FFFFL, b.machine.system().read(0xFE00_0010L, 4));
    }

    @Test
    void rewritingTheBarMovesTheRegion() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.assignBar(f, 0, 0xFE00_0000L);
        b.cfgWrite(f, 0x10, 4, 0xFD00_0000L);
        assertEquals(0xFFFF_FFFFL, b.machine.system().read(0xFE00_0000L, 4));
        assertEquals(0xA000_0004L, b.machine.system().read(0xFD00_0004L, 4));
        assertEquals(0xFD00_0000L, f.bar(0).address());
        assertTrue(f.bar(0).decoding());
    }

    @Test
    void sixtyFourBitBarMapsAboveFourGigabytes() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.assignBar(f, 2, 0x40_0000_0000L);
        assertEquals(0xA000_0100L, b.machine.system().read(0x40_0000_0100L, 4));
    }

    @Test
    void ioBarDecodesInPortSpaceWhileCommandIoIsSet() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.cfgWrite(f, 0x14, 4, 0xC000);
        assertEquals(0xFFL, b.machine.io().read(0xC004, 1));
        b.cfgWrite(f, 0x04, 2, 0x1);
        assertEquals(0x04L, b.machine.io().read(0xC004, 1));
    }

    @Test
    void romDecodesOnlyWithItsEnableBitAndCommandMem() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.cfgWrite(f, 0x30, 4, 0xFEB0_0000L);
        b.cfgWrite(f, 0x04, 2, 0x2);
        assertFalse(f.bar(BarInfo.ROM_INDEX).decoding());
        b.cfgWrite(f, 0x30, 4, 0xFEB0_0001L);
        assertEquals(0xA000_0020L, b.machine.system().read(0xFEB0_0020L, 4));
    }

    @Test
    void barAtAddressZeroDoesNotDecodeEvenWithMemEnabled() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.cfgWrite(f, 0x04, 2, 0x2);
        assertFalse(f.bar(0).decoding());
        assertEquals(0L, b.machine.system().read(0x10, 4), "RAM still answers at 0");
    }

    @Test
    void hostSeesBarInfoAndReachesContentsByOffsetWithoutDecoding() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        BarInfo bar4 = f.bar(4);
        assertEquals(16 << 10, bar4.size());
        assertEquals(dev.vplat.pci.sdk.BarKind.MEMORY64, bar4.kind());
        assertFalse(bar4.decoding());
        assertEquals(0xA000_0040L, bar4.ops().read(0x40, 4));
        assertEquals(5, f.bars().size());
    }

    @Test
    void barRegionSitsInTheSystemRootAtPriorityOne() {
        Bench b = new Bench();
        PciFunction f = allKinds(b);
        b.assignBar(f, 0, 0xFE00_0000L);
        var placement = b.machine.system().root().placements().stream()
                .filter(p -> p.region().name().equals("bars.bar0")).findFirst().orElseThrow();
        assertEquals(Bar.MAPPING_PRIORITY, placement.priority());
        assertSame(placement.region(), b.machine.system().regionAt(0xFE00_0000L));
    }
}
