package dev.vplat.iommu.robust;

import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.iommu.smmuv3.SmmuV3Config;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.trace.Trace;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A malicious driver against the SMMUv3: stage-1 tables that point at themselves, context
 * descriptors and tables in the unit's own MMIO, a command queue of the largest size full of
 * random commands, and random register traffic. Everything ends in a translation, an event or a
 * command error (IHI 0070 §4.5, §7.1), never an exception, with the work per access bounded.
 * Offsets and structure fields: IHI 0070 §6.3 (registers), §5.2 (STE), §5.4 (CD).
 */
class SmmuHostileStructuresTest {
    private static final long RAM_BASE = 0x4000_0000L;
    private static final int IDR1 = 0x04, CR0 = 0x20, CR2 = 0x2C, GERROR = 0x60, GERRORN = 0x64, STRTAB_BASE = 0x80,
            STRTAB_BASE_CFG = 0x88, CMDQ_BASE = 0x90, CMDQ_PROD = 0x98, CMDQ_CONS = 0x9C, EVENTQ_BASE = 0xA0,
            EVENTQ_PROD = 0x100A8, EVENTQ_CONS = 0x100AC;
    private static final long SMMUEN = 1, EVENTQEN = 1 << 2, CMDQEN = 1 << 3;
    private static final int SID = 5;
    private static final int[] OPCODES = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22,
            0x23, 0x28, 0x2A, 0x30, 0x40, 0x41, 0x44, 0x45, 0x46};

    private final Machine machine = new Machine("hostile", new Trace());
    private final SmmuV3 smmu;
    private final AddressSpace mem;
    private final Random rnd = new Random(5);
    private long next = RAM_BASE;
    private long strtab;

    SmmuHostileStructuresTest() {
        machine.addRam("ram", RAM_BASE, 256L << 20);
        smmu = SmmuV3.create(machine, "smmu0", SmmuV3Config.defaults());
        machine.realize();
        mem = machine.system();
    }

    private long alloc(long size) {
        long a = (next + size - 1) & -size;
        next = a + size;
        return a;
    }

    private void reg32(int off, long v) {
        mem.write(SmmuV3.VIRT_BASE + off, 4, v);
    }

    private long reg32(int off) {
        return mem.read(SmmuV3.VIRT_BASE + off, 4);
    }

    /** Linear stream table of 64 STEs, queues of 2^log2 commands and 8 events, SMMUEN. */
    private long enable(int cmdqLog2) {
        strtab = alloc(64 * 64);
        long cmdq = alloc(16L << cmdqLog2);
        long eventq = alloc(32L << 3);
        reg32(CR2, 1 << 1);
        mem.write(SmmuV3.VIRT_BASE + STRTAB_BASE, 8, strtab);
        reg32(STRTAB_BASE_CFG, 6);
        mem.write(SmmuV3.VIRT_BASE + CMDQ_BASE, 8, 1L << 62 | cmdq | cmdqLog2);
        mem.write(SmmuV3.VIRT_BASE + EVENTQ_BASE, 8, 1L << 62 | eventq | 3);
        reg32(CR0, SMMUEN | EVENTQEN | CMDQEN);
        return cmdq;
    }

    /** STE: V, Config = stage 1 translate (0b101), S1ContextPtr. */
    private void steStage1(long cdPtr) {
        mem.writeRam(strtab + 64L * SID, 8, 1 | 0b101 << 1 | cdPtr);
    }

    /** CD: T0SZ 16, 4 KiB granule, EPD1, V, IPS 44 bits, AA64, R, A, TTB0. */
    private long cd(long ttb0) {
        long cd = alloc(64);
        mem.writeRam(cd, 8, 16 | 1L << 30 | 1L << 31 | 4L << 32 | 1L << 41 | 1L << 45 | 1L << 46 | 7L << 48);
        mem.writeRam(cd + 8, 8, ttb0);
        mem.writeRam(cd + 24, 8, 0x44FF04L);
        return cd;
    }

    private Translation read(long iova) {
        return smmu.translateStream(SID, SmmuV3.NO_PASID, iova, DmaDirection.READ);
    }

    @Test
    void stage1TablesPointingAtThemselvesEndAtTheLastLevel() {
        enable(5);
        long table = alloc(4096);
        for (int i = 0; i < 512; i++) {
            mem.writeRam(table + 8L * i, 8, table | 0b11 | 1L << 10 | 1L << 6);   // table (or, at level 3, page) + AF
        }
        steStage1(cd(table));

        Translation t = read(0x1234_5678_9000L);

        assertEquals(DmaStatus.OK, t.status(), "four levels read the same page; the last maps it");
        assertEquals(table, t.address(), "the table mapped onto itself, not a loop");
    }

    @Test
    void aContextDescriptorInTheUnitsOwnRegistersIsAnEventNotARead() {
        enable(5);
        steStage1(SmmuV3.VIRT_BASE);
        long events = smmu.eventsRecorded();

        assertTrue(read(0x1000).status() != DmaStatus.OK);
        assertEquals(events + 1, smmu.eventsRecorded(), "C_BAD_CD or F_CD_FETCH, recorded once");
    }

    @Test
    void pageTablesInTheUnitsOwnRegistersAreAWalkFault() {
        enable(5);
        steStage1(cd(SmmuV3.VIRT_BASE));
        long events = smmu.eventsRecorded();

        assertTrue(read(0x1000).status() != DmaStatus.OK);
        assertEquals(events + 1, smmu.eventsRecorded(), "F_WALK_EABT");
    }

    @Test
    void aCommandQueueOfTheLargestSizeFullOfRandomCommandsDrainsBoundedly() {
        int log2 = (int) (reg32(IDR1) >>> 21 & 0x1F);             // IDR1.CMDQS
        long cmdq = enable(log2);
        int slots = 1 << log2;
        for (int i = 0; i < slots; i++) {
            long w0 = OPCODES[rnd.nextInt(OPCODES.length)] | rnd.nextLong() & ~0xFFL;
            mem.writeRam(cmdq + 16L * i, 8, w0);
            mem.writeRam(cmdq + 16L * i + 8, 8, rnd.nextLong());
        }
        long full = slots;                                            // wrap bit set, index 0: every slot holds a command
        reg32(CMDQ_PROD, full);
        int errors = 0;
        while ((reg32(GERROR) & 1) != (reg32(GERRORN) & 1)) {       // CMDQ_ERR active
            assertTrue(++errors <= slots, "each stop is at a new command");
            long cons = reg32(CMDQ_CONS) & (2L * slots - 1);
            long slot = cons & (slots - 1);
            mem.writeRam(cmdq + 16 * slot, 8, 0x46);                 // CMD_SYNC, CS = none
            mem.writeRam(cmdq + 16 * slot + 8, 8, 0);
            reg32(GERRORN, reg32(GERROR) & 1 | reg32(GERRORN) & ~1L);
            reg32(CMDQ_PROD, full);
        }
        assertEquals(full, reg32(CMDQ_CONS) & (2L * slots - 1), "the queue drained to PROD");
        assertTrue(smmu.commandsConsumed() <= slots + errors, "each command consumed once: " + smmu.commandsConsumed());
    }

    @Test
    void randomRegisterTrafficAndTranslationsNeverThrow() {
        enable(5);
        for (int i = 0; i < 30_000; i++) {
            int off = rnd.nextInt(0x20000) & ~3;
            if (rnd.nextBoolean()) {
                mem.write(SmmuV3.VIRT_BASE + off, rnd.nextBoolean() ? 4 : 8, rnd.nextInt(4) == 0
                        ? RAM_BASE + (rnd.nextLong() & 0xFF_FFFFL) : rnd.nextLong());
            } else {
                mem.read(SmmuV3.VIRT_BASE + off, 4);
            }
            if (i % 16 == 0) {
                smmu.translateStream(rnd.nextInt(1 << 16), rnd.nextInt(4) == 0 ? rnd.nextInt(1 << 20) : SmmuV3.NO_PASID,
                        rnd.nextLong(), rnd.nextBoolean() ? DmaDirection.READ : DmaDirection.WRITE);
            }
        }
        assertEquals(0x1, reg32(0x1C), "AIDR still reads: the unit answers");
    }
}
