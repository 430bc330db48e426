package dev.vplat.iommu.robust;

import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.trace.Trace;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A malicious guest driver against VT-d: tables full of garbage (reserved bits, pointers into
 * themselves, into MMIO, beyond RAM), an invalidation queue of the largest size full of random
 * descriptors, and an MSI storm through a garbage interrupt-remapping table. Every access ends
 * in a translation, a spec-defined fault or error, never an exception, and its work is bounded
 * by counting structure reads, not wall time. Register offsets and bits: VT-d spec §11.4.
 */
class VtdHostileStructuresTest {
    private static final long RAM = 64L << 20;
    private static final int GCMD = 0x18, GSTS = 0x1C, RTADDR = 0x20, FSTS = 0x34, IQH = 0x80, IQT = 0x88, IQA = 0x90,
            IRTA = 0xB8;
    private static final int TE = 1 << 31, SRTP = 1 << 30, QIE = 1 << 26, IRE = 1 << 25, SIRTP = 1 << 24;
    private static final int FSTS_IQE = 1 << 4;
    /** Root (1) + context (1) + at most 5 paging levels; scalable mode adds PASID directory and table (2). */
    private static final int MAX_READS_PER_WALK = 9;

    private final Machine machine = new Machine("hostile", new Trace());
    private final AddressSpace mem;
    private final VtdUnit unit;
    private final Random rnd = new Random(11);
    private int msis;

    VtdHostileStructuresTest() {
        machine.addRam("ram", 0, RAM);
        unit = VtdUnit.create(machine, "dmar0", VtdConfig.fromProperties(VtdConfig.schema().resolve("intel-iommu",
                Map.of("x-scalable-mode", "on", "intremap", "on"))));
        machine.realize();
        mem = machine.system();
        machine.interrupts().addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage message) {
                msis++;
            }
        });
    }

    private long base() {
        return unit.config().base();
    }

    private void command(int bit) {
        int status = (int) mem.read(base() + GSTS, 4) & (TE | QIE | IRE);
        mem.write(base() + GCMD, 4, status | bit);
    }

    /** {@code bytes} of random qwords at {@code at}, half of them pointing at a page of the same block. */
    private void garbage(long at, int bytes) {
        for (int off = 0; off < bytes; off += 8) {
            long v = rnd.nextLong();
            if (rnd.nextBoolean()) {
                v = (v & 0xFFF) | (at + (rnd.nextInt(bytes) & -4096));
            } else if (rnd.nextInt(4) == 0) {
                v = (v & 0xFFF) | base();                       // into the unit's own registers
            }
            mem.writeRam(at + off, 8, v | 1);                  // present, whatever else is set
        }
    }

    @Test
    void translationThroughTablesOfGarbageFaultsWithinTheLevelBound() {
        long tables = 0x10_0000L;
        garbage(tables, 256 * 1024);
        mem.write(base() + RTADDR, 8, tables | (rnd.nextBoolean() ? 1L << 10 : 0));
        command(SRTP);
        command(TE);
        int faults = 0;
        for (int i = 0; i < 20_000; i++) {
            long before = unit.walkSteps();
            Translation t = unit.translate(rnd.nextInt(0x10000), rnd.nextInt(4) == 0 ? rnd.nextInt(1 << 20) : -1,
                    rnd.nextLong() & 0xFFFF_FFFF_FFFFL, rnd.nextBoolean());
            assertTrue(unit.walkSteps() - before <= MAX_READS_PER_WALK, "one translation read "
                    + (unit.walkSteps() - before) + " structure entries");
            if (t.status() != DmaStatus.OK) {
                faults++;
            }
        }
        assertTrue(faults > 0, "garbage faults");
        assertEquals(0x10, (int) mem.read(base(), 4), "the unit still answers its registers (VER)");
    }

    @Test
    void aQueueOfTheLargestSizeFullOfRandomDescriptorsDrainsWithErrorsAndBoundedWork() {
        int qs = 7;                                            // IQA.QS: 2^7 pages of 256 descriptors
        int slots = (1 << qs) * 256;
        long queue = 0x100_0000L;
        for (int i = 0; i < slots; i++) {
            long type = 1 + rnd.nextInt(7);                    // cc, iotlb, dev-tlb, iec, wait, piotlb, pasid-cache
            long lo = rnd.nextLong() & ~0xFL | type;
            long hi = rnd.nextInt(3) == 0 ? rnd.nextLong() : (rnd.nextLong() & 0x3FF_FFFCL);
            mem.writeRam(queue + 16L * i, 8, lo);
            mem.writeRam(queue + 16L * i + 8, 8, hi);
        }
        mem.write(base() + IQA, 8, queue | qs);
        command(QIE);
        mem.write(base() + IQT, 8, (slots - 1) * 16L);
        int recoveries = 0;
        while ((mem.read(base() + FSTS, 4) & FSTS_IQE) != 0) {
            assertTrue(++recoveries <= slots, "every stop is at a new descriptor");
            long head = mem.read(base() + IQH, 8);
            mem.writeRam(queue + head, 8, 5);                  // the bad one becomes a plain wait descriptor
            mem.writeRam(queue + head + 8, 8, 0);
            mem.write(base() + FSTS, 4, FSTS_IQE);
            mem.write(base() + IQT, 8, (slots - 1) * 16L);
        }
        assertEquals((slots - 1) * 16L, mem.read(base() + IQH, 8), "the queue drained to its tail");
        assertTrue(unit.descriptorsProcessed() <= slots, "each descriptor is processed once: "
                + unit.descriptorsProcessed());
    }

    @Test
    void anMsiStormThroughAGarbageRemappingTableIsBlockedOrRemappedAndRecordedBoundedly() {
        long irt = 0x200_0000L;
        garbage(irt, 1 << 20);                                 // 65536 entries of 16 bytes
        mem.write(base() + IRTA, 8, irt | 15);
        command(SIRTP);
        command(IRE);
        int delivered = 0;
        for (int i = 0; i < 50_000; i++) {
            int handle = rnd.nextInt(1 << 16);
            long address = 0xFEE0_0000L | (long) (handle & 0x7FFF) << 5 | 1 << 4 | (handle >>> 15) << 2
                    | (rnd.nextInt(8) == 0 ? rnd.nextInt(4) : 0);
            MsiMessage m = unit.remap(new MsiMessage(address, rnd.nextInt(8) == 0 ? rnd.nextInt() : 0, rnd.nextInt(0x10000)));
            if (m != null) {
                delivered++;
            }
        }
        long faults = unit.faultsRecorded() + unit.faultsDropped();
        assertTrue(faults > 0 && delivered < 50_000, "garbage entries block interrupts with faults");
        assertTrue(faults <= 50_000, "at most one fault per interrupt request, not " + faults);
        assertTrue(msis <= 50_000, "at most one fault event per interrupt request, not " + msis);
    }
}
