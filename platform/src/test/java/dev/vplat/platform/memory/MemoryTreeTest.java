package dev.vplat.platform.memory;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Flattening of the region tree: priorities, overlays, aliases, containers and re-flattening. */
class MemoryTreeTest {
    private final ContainerRegion root = new ContainerRegion("system", 1L << 40);
    private final AddressSpace space = new AddressSpace("system", root, new Trace(), TraceCategory.MMIO);

    private static MmioRegion mmio(String name, long size, long readValue) {
        return new MmioRegion(name, size, AccessRules.ANY, new RecordingMmio(readValue));
    }

    @Test
    void higherPriorityRegionHidesTheOverlappedPartOfALowerOne() {
        GuestRam ram = new GuestRam(0x10000);
        RamRegion low = new RamRegion("ram", ram, 0, 0x10000);
        MmioRegion high = mmio("bar", 0x1000, 0xAA);
        root.add(high, 0x4000, 10);
        root.add(low, 0, 0);

        assertSame(low, space.regionAt(0x3FFF));
        assertSame(high, space.regionAt(0x4000));
        assertSame(high, space.regionAt(0x4FFF));
        assertSame(low, space.regionAt(0x5000));
        assertEquals(List.of(
                "0000000000000000-0000000000003fff ram",
                "0000000000004000-0000000000004fff bar",
                "0000000000005000-000000000000ffff ram"), space.describe());
    }

    @Test
    void ramBehindAnOverlayKeepsItsOffsetsOnBothSides() {
        GuestRam ram = new GuestRam(0x10000);
        root.add(new RamRegion("ram", ram, 0, 0x10000), 0, 0);
        root.add(mmio("bar", 0x1000, 0), 0x4000, 1);

        space.write64(0x5000, 0x1234);

        assertEquals(0x1234, ram.read(0x5000, 8));
    }

    @Test
    void atEqualPriorityTheRegionAddedLaterWins() {
        MmioRegion first = mmio("first", 0x2000, 1);
        MmioRegion second = mmio("second", 0x1000, 2);
        root.add(first, 0x1000, 5);
        root.add(second, 0x1800, 5);

        assertSame(first, space.regionAt(0x17FF));
        assertSame(second, space.regionAt(0x1800));
        assertSame(second, space.regionAt(0x27FF));
        assertSame(first, space.regionAt(0x2800));
    }

    @Test
    void lowerPriorityWinsOverALaterAddedRegionOfLowerPriority() {
        MmioRegion high = mmio("high", 0x1000, 1);
        MmioRegion later = mmio("later", 0x1000, 2);
        root.add(high, 0x1000, 5);
        root.add(later, 0x1000, 4);

        assertSame(high, space.regionAt(0x1000));
    }

    @Test
    void aliasShowsItsTargetShiftedByTheAliasOffset() {
        GuestRam ram = new GuestRam(0x10000);
        RamRegion block = new RamRegion("ram", ram, 0, 0x10000);
        root.add(block, 0, 0);
        root.add(new AliasRegion("high-alias", block, 0x8000, 0x4000), 0x1_0000_0000L, 0);

        space.write32(0x1_0000_0010L, 0xCAFEF00DL);

        assertEquals(0xCAFEF00DL, ram.read(0x8010, 4));
        assertEquals(0xCAFEF00DL, space.read32(0x8010));
        assertNull(space.regionAt(0x1_0000_4000L));
    }

    @Test
    void aliasIntoAContainerClipsItsSubregionsToTheAliasWindow() {
        ContainerRegion pciHole = new ContainerRegion("pci", 0x10000);
        MmioRegion a = mmio("a", 0x1000, 0xA);
        MmioRegion b = mmio("b", 0x1000, 0xB);
        pciHole.add(a, 0x2000);
        pciHole.add(b, 0x6000);
        root.add(new AliasRegion("pci-window", pciHole, 0x2800, 0x4000), 0x10_0000, 0);

        assertEquals(0xA, space.read(0x10_0000, 1));
        assertSame(a, space.regionAt(0x10_07FF));
        assertNull(space.regionAt(0x10_0800));
        assertSame(b, space.regionAt(0x10_3800));
        assertNull(space.regionAt(0x10_4000));
    }

    @Test
    void changeInsideANestedContainerReflattensTheAddressSpace() {
        ContainerRegion pci = new ContainerRegion("pci", 0x10000);
        root.add(new AliasRegion("pci-window", pci, 0, 0x10000), 0x20_0000, 0);
        assertNull(space.regionAt(0x20_1000));

        MmioRegion bar = mmio("bar", 0x1000, 0x77);
        pci.add(bar, 0x1000);

        assertSame(bar, space.regionAt(0x20_1000));
        assertEquals(0x77, space.read(0x20_1000, 1));
    }

    @Test
    void removingARegionReflattensSoTheLowerPriorityOneShowsThroughAgain() {
        GuestRam ram = new GuestRam(0x10000);
        RamRegion block = new RamRegion("ram", ram, 0, 0x10000);
        MmioRegion bar = mmio("bar", 0x1000, 0xFF);
        root.add(block, 0, 0);
        root.add(bar, 0x4000, 10);
        assertSame(bar, space.regionAt(0x4000));

        root.remove(bar);

        assertSame(block, space.regionAt(0x4000));
        assertEquals(List.of("0000000000000000-000000000000ffff ram"), space.describe());
    }

    @Test
    void removedNestedContainerNoLongerReflattensItsFormerParent() {
        ContainerRegion child = new ContainerRegion("child", 0x1000);
        root.add(child, 0);
        root.remove(child);
        int[] changes = {0};
        root.addListener(() -> changes[0]++);

        child.add(mmio("x", 0x10, 0), 0);

        assertEquals(0, changes[0]);
    }

    @Test
    void holesInAHighPriorityContainerShowLowerPrioritySiblings() {
        GuestRam ram = new GuestRam(0x10000);
        RamRegion block = new RamRegion("ram", ram, 0, 0x10000);
        ContainerRegion sparse = new ContainerRegion("sparse", 0x10000);
        MmioRegion only = mmio("only", 0x1000, 0);
        sparse.add(only, 0x3000);
        root.add(block, 0, 0);
        root.add(sparse, 0, 50);

        assertSame(block, space.regionAt(0x2FFF));
        assertSame(only, space.regionAt(0x3000));
        assertSame(block, space.regionAt(0x4000));
    }

    @Test
    void subregionRunningPastItsContainerIsClippedToTheContainer() {
        ContainerRegion small = new ContainerRegion("small", 0x1000);
        small.add(mmio("big", 0x4000, 0), 0x800);
        root.add(small, 0x10000);

        assertEquals(List.of("0000000000010800-0000000000010fff big"), space.describe());
    }

    @Test
    void containerCycleThroughAnAliasIsReportedNotOverflowingTheStack() {
        ContainerRegion outer = new ContainerRegion("outer", 0x1000);
        ContainerRegion inner = new ContainerRegion("inner", 0x1000);
        outer.add(inner, 0);
        inner.add(new AliasRegion("back-to-outer", outer, 0x800, 0x800), 0x800);
        root.add(outer, 0);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> space.regionAt(0));
        assertEquals(true, e.getMessage().contains("contains itself"), e.getMessage());
    }

    @Test
    void placementsOutsideTheContainerOrTwiceAreRejected() {
        MmioRegion r = mmio("r", 0x10, 0);
        assertThrows(IllegalArgumentException.class, () -> root.add(r, 1L << 40));
        root.add(r, 0);
        assertThrows(IllegalArgumentException.class, () -> root.add(r, 0x100));
        assertThrows(IllegalArgumentException.class, () -> root.add(root, 0));
        assertThrows(IllegalArgumentException.class, () -> root.add(new AliasRegion("self", root, 0, 0x10), 0x100));
    }

    @Test
    void aliasMustLieInsideItsTarget() {
        MmioRegion target = mmio("t", 0x1000, 0);
        assertThrows(IllegalArgumentException.class, () -> new AliasRegion("a", target, 0x800, 0x1000));
    }
}
