package dev.vplat.platform.machine;

import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.GuestRam;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.trace.Trace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineTest {
    private final Machine machine = new Machine("test", new Trace());
    private final List<String> events = new ArrayList<>();

    private final class Part implements Lifecycle {
        private final String name;
        private final boolean failRealize;

        Part(String name, boolean failRealize) {
            this.name = name;
            this.failRealize = failRealize;
        }

        @Override
        public void realize() {
            if (failRealize) {
                throw new IllegalStateException(name + " cannot realize");
            }
            events.add("realize " + name);
        }

        @Override
        public void reset() {
            events.add("reset " + name);
        }

        @Override
        public void unrealize() {
            events.add("unrealize " + name);
        }
    }

    private static MmioOps constant(long value) {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return value;
            }

            @Override
            public void write(long offset, int size, long v) {
            }
        };
    }

    @Test
    void ramBelowAndAboveFourGigabytesIsReachableThroughTheSystemSpace() {
        GuestRam low = machine.addRam("ram-below-4g", 0, 0x8000_0000L);
        GuestRam high = machine.addRam("ram-above-4g", 0x1_0000_0000L, 1L << 40);

        machine.system().write64(0x1_0000_0000L + 0x10, 0xDEAD);
        machine.system().write32(0x7FFF_FFFCL, 0xBEEF);

        assertEquals(0xDEAD, high.read(0x10, 8));
        assertEquals(0xBEEF, low.read(0x7FFF_FFFCL, 4));
        assertEquals(2, low.touchedPages() + high.touchedPages());
        assertEquals(List.of(new MemoryMapEntry("ram", "ram-below-4g", 0, 0x8000_0000L),
                new MemoryMapEntry("ram", "ram-above-4g", 0x1_0000_0000L, 1L << 40)), machine.memoryMap());
    }

    @Test
    void mmioWindowOverRamHidesItUntilRemoved() {
        GuestRam ram = machine.addRam("ram", 0, 0x10_0000);
        ram.write(0x8000, 4, 0x1111);
        MmioRegion bar = machine.addMmio("bar0", 0x8000, 0x1000, AccessRules.ANY, constant(0x2222));

        assertEquals(0x2222, machine.system().read32(0x8000));
        machine.removeMmio(bar);
        assertEquals(0x1111, machine.system().read32(0x8000));
        assertEquals(1, machine.memoryMap().size());
    }

    @Test
    void cpuStoreIntoTheMsiWindowIsDeliveredAsAnMsiEvenOverRam() {
        machine.addRam("ram", 0, 0x1_0000_0000L);
        machine.addX86MsiWindow();
        List<MsiMessage> got = new ArrayList<>();
        machine.interrupts().addListener(got::add);

        machine.system().write32(0xFEE0_100CL, 0x4041);

        assertEquals(List.of(new MsiMessage(0xFEE0_100CL, 0x4041, -1)), got);
        assertTrue(!machine.system().isRam(0xFEE0_0000L, 4));
    }

    @Test
    void msiWindowIgnoresAccessesOtherThanAlignedDwords() {
        machine.addX86MsiWindow();
        int[] count = {0};
        machine.interrupts().addListener((InterruptListener) m -> count[0]++);

        machine.system().write(0xFEE0_0000L, 1, 0x41);
        machine.system().write(0xFEE0_0002L, 4, 0x41);

        assertEquals(0, count[0]);
    }

    @Test
    void msiRemapperBlocksACpuMsiThroughTheWindow() {
        machine.addX86MsiWindow();
        machine.interrupts().addRemapper(m -> null);
        int[] count = {0};
        machine.interrupts().addListener((InterruptListener) m -> count[0]++);

        machine.system().write32(0xFEE0_0000L, 0x30);

        assertEquals(0, count[0]);
        assertEquals(1, machine.interrupts().msiBlockedCount());
    }

    @Test
    void portIoIsASeparateSixtyFourKilobyteSpace() {
        machine.addRam("ram", 0, 0x10_0000);
        machine.addPio("cf8", 0xCF8, 4, AccessRules.DWORD_ALIGNED, constant(0x8000_0000L));

        assertEquals(0x8000_0000L, machine.io().read32(0xCF8));
        assertEquals(0, machine.system().read32(0xCF8));
        assertEquals(0xFFFF_FFFFL, machine.io().read32(0x10000));
    }

    @Test
    void realizeRunsInAddOrderThenResetsAndShutdownUnrealizesInReverse() {
        machine.add("a", new Part("a", false));
        machine.add("b", new Part("b", false));

        machine.realize();
        machine.shutdown();

        assertEquals(List.of("realize a", "realize b", "reset a", "reset b", "unrealize b", "unrealize a"), events);
    }

    @Test
    void failedRealizeUnrealizesWhatWasAlreadyRealized() {
        machine.add("a", new Part("a", false));
        machine.add("b", new Part("b", false));
        machine.add("c", new Part("c", true));

        assertThrows(IllegalStateException.class, machine::realize);

        assertEquals(List.of("realize a", "realize b", "unrealize b", "unrealize a"), events);
        assertTrue(!machine.realized());
    }

    @Test
    void componentAddedToARunningMachineIsRealizedAndResetAtOnce() {
        machine.realize();
        machine.add("late", new Part("late", false));

        assertEquals(List.of("realize late", "reset late"), events);
    }

    @Test
    void removingAComponentFromARunningMachineUnrealizesIt() {
        Part p = machine.add("p", new Part("p", false));
        machine.realize();
        events.clear();

        assertSame(p, machine.remove("p"));

        assertEquals(List.of("unrealize p"), events);
        assertNull(machine.component("p"));
        machine.reset();
        assertEquals(List.of("unrealize p"), events);
    }

    @Test
    void componentIdsAreUniqueAndLookupIsByTypeToo() {
        machine.add("x", "a string component");
        assertThrows(IllegalArgumentException.class, () -> machine.add("x", 5));
        assertEquals(List.of("a string component"), machine.components(String.class));
    }

    @Test
    void traceTimestampsComeFromTheVirtualClock() {
        machine.clock().step(1234);
        machine.trace().enable(java.util.EnumSet.of(dev.vplat.platform.trace.TraceCategory.DEVICE));

        machine.trace().log(dev.vplat.platform.trace.TraceCategory.DEVICE, "edu", "hello");

        assertEquals(List.of("1234 device edu: hello"), machine.trace().tail());
    }
}
