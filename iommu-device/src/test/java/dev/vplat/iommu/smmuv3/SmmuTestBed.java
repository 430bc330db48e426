package dev.vplat.iommu.smmuv3;

import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.trace.Trace;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.iommu.smmuv3.SmmuRegisters.*;

/**
 * A real platform machine with RAM at 0x4000_0000 and one SMMUv3 at the virt base, plus the
 * helpers a driver test needs: MMIO accessors, a bump allocator for tables in RAM, queue setup
 * and command submission the way Linux does it, STE/CD builders and an interrupt recorder.
 */
final class SmmuTestBed {
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 0x1000_0000L;
    static final long BASE = SmmuV3.VIRT_BASE;
    static final int CMDQ_LOG2 = 5;
    static final int EVENTQ_LOG2 = 3;

    final Machine machine;
    final SmmuV3 smmu;
    final AddressSpace mem;
    final List<MsiMessage> msis = new ArrayList<>();
    final List<String> lines = new ArrayList<>();
    long cmdq;
    long eventq;
    long strtab;
    private long next = RAM_BASE;

    SmmuTestBed(SmmuV3Config config) {
        machine = new Machine("test", new Trace());
        machine.addRam("ram", RAM_BASE, RAM_SIZE);
        smmu = SmmuV3.create(machine, "smmu0", config);
        machine.realize();
        mem = machine.system();
        machine.interrupts().addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage message) {
                msis.add(message);
            }

            @Override
            public void onIntx(int requesterId, int pin, boolean level) {
                lines.add(pin + (level ? "+" : "-"));
            }
        });
    }

    SmmuTestBed() {
        this(SmmuV3Config.defaults());
    }

    // ---- MMIO

    long read32(int off) {
        return mem.read(BASE + off, 4);
    }

    long read64(int off) {
        return mem.read(BASE + off, 8);
    }

    void write32(int off, long v) {
        mem.write(BASE + off, 4, v);
    }

    void write64(int off, long v) {
        mem.write(BASE + off, 8, v);
    }

    // ---- RAM

    long alloc(long size, long align) {
        long a = (next + align - 1) & -align;
        next = a + size;
        return a;
    }

    long page() {
        return alloc(4096, 4096);
    }

    void writeWords(long addr, long... words) {
        for (int i = 0; i < words.length; i++) {
            mem.writeRam(addr + 8L * i, 8, words[i]);
        }
    }

    long word(long addr) {
        return mem.readRam(addr, 8);
    }

    // ---- bring-up

    /** Linear stream table with 2^log2 STEs, command and event queues, CR2.RECINVSID, SMMUEN. */
    void enable(int strtabLog2) {
        strtab = alloc(64L << strtabLog2, 64L << strtabLog2);
        write32(CR2, CR2_RECINVSID);
        write64(STRTAB_BASE, strtab);
        write32(STRTAB_BASE_CFG, strtabLog2);
        setUpQueues();
        write32(CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
    }

    void setUpQueues() {
        cmdq = alloc(16L << CMDQ_LOG2, 16L << CMDQ_LOG2);
        eventq = alloc(32L << EVENTQ_LOG2, 32L << EVENTQ_LOG2);
        write64(CMDQ_BASE, 1L << 62 | cmdq | CMDQ_LOG2);
        write32(CMDQ_PROD, 0);
        write32(CMDQ_CONS, 0);
        write64(EVENTQ_BASE, 1L << 62 | eventq | EVENTQ_LOG2);
        write32(EVENTQ_PROD, 0);
        write32(EVENTQ_CONS, 0);
    }

    long steAddress(int sid) {
        return strtab + 64L * sid;
    }

    void writeSte(int sid, long... words) {
        writeWords(steAddress(sid), words);
    }

    /** Places a command at CMDQ_PROD and publishes it; the unit consumes it before this returns. */
    void submit(long w0, long w1) {
        long prod = read32(CMDQ_PROD);
        long slot = prod & ((1L << CMDQ_LOG2) - 1);
        writeWords(cmdq + 16 * slot, w0, w1);
        write32(CMDQ_PROD, (prod + 1) & ((2L << CMDQ_LOG2) - 1));
    }

    long cmdqErr() {
        return read32(CMDQ_CONS) >>> 24 & 0x7F;
    }

    /** Pops the next event record, or null if the queue is empty. */
    long[] nextEvent() {
        long prod = read32(EVENTQ_PROD);
        long cons = read32(EVENTQ_CONS);
        long mask = (2L << EVENTQ_LOG2) - 1;
        if (((prod ^ cons) & mask) == 0) {
            return null;
        }
        long slot = cons & ((1L << EVENTQ_LOG2) - 1);
        long[] w = new long[4];
        for (int i = 0; i < 4; i++) {
            w[i] = word(eventq + 32 * slot + 8L * i);
        }
        write32(EVENTQ_CONS, (cons & OVERFLOW_FLAG) | ((cons + 1) & mask));
        return w;
    }

    Translation read(int sid, long iova) {
        return smmu.translateStream(sid, SmmuV3.NO_PASID, iova, DmaDirection.READ);
    }

    Translation write(int sid, long iova) {
        return smmu.translateStream(sid, SmmuV3.NO_PASID, iova, DmaDirection.WRITE);
    }

    Translation read(int sid, int pasid, long iova) {
        return smmu.translateStream(sid, pasid, iova, DmaDirection.READ);
    }

    // ---- structure builders (field positions: IHI 0070 §5.2, §5.4)

    static long[] steS1(long cdPtr, int s1CdMax, int s1Fmt, int s1Dss) {
        return new long[] {1 | 0b101 << 1 | (long) s1Fmt << 4 | cdPtr | (long) s1CdMax << 59, s1Dss, 0, 0, 0, 0, 0, 0};
    }

    static long[] steBypass() {
        return new long[] {1 | 0b100 << 1, 0, 0, 0, 0, 0, 0, 0};
    }

    /** Stage 2 fields: 4 KiB granule, S2PS 44 bits, AArch64, S2R set. */
    static long[] steS2(int vmid, long ttb, int t0sz, int sl0) {
        return new long[] {1 | 0b110 << 1, 0, s2Word(vmid, t0sz, sl0, 0), ttb, 0, 0, 0, 0};
    }

    static long s2Word(int vmid, int t0sz, int sl0, int tg) {
        return vmid | (long) t0sz << 32 | (long) sl0 << 38 | (long) tg << 46 | 4L << 48 | 1L << 51 | 1L << 58;
    }

    static long[] steNested(long cdPtr, int vmid, long s2ttb, int t0sz, int sl0) {
        long[] w = steS2(vmid, s2ttb, t0sz, sl0);
        w[0] = 1 | 0b111 << 1 | cdPtr;
        return w;
    }

    /** A valid CD: TTB0 only (EPD1), IPS 44 bits, AA64, R and A set. */
    static long[] cd(long ttb0, int t0sz, int tg0, int asid) {
        long dw0 = t0sz | (long) tg0 << 6 | 1L << 30 | 1L << 31 | 4L << 32 | 1L << 41 | 1L << 45 | 1L << 46
                | (long) asid << 48;
        return new long[] {dw0, ttb0, 0, 0x44FF04L, 0, 0, 0, 0};
    }

    static long cmdCfgiSte(int sid) {
        return CommandExecutor.CFGI_STE | (long) sid << 32;
    }

    static long cmdSync() {
        return CommandExecutor.SYNC;
    }
}
