package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.regs.Register;

/**
 * A queue the SMMU produces into and software consumes from: the event queue (32-byte records)
 * and the PRI queue (16-byte entries). IHI 0070 §7.4: a record that finds the queue full is
 * discarded and PROD.OVFLG toggles, unless an overflow is already present (OVFLG differs from
 * CONS.OVACKFLG); software acknowledges by copying OVFLG to CONS.OVACKFLG. A queue whose
 * memory is not RAM aborts the write and activates the queue's GERROR abort error.
 */
final class OutputQueue {
    private final SmmuRegisters regs;
    private final Register base;
    private final Register prod;
    private final Register cons;
    private final long enableBit;
    private final int entryBytes;
    private final int maxLog2Size;
    private final int abortBit;
    private final Runnable signal;
    private final SmmuInterrupts interrupts;
    private final GuestMemory memory;
    private long written;
    private long discarded;

    OutputQueue(SmmuRegisters regs, Register base, Register prod, Register cons, long enableBit, int entryBytes,
                int maxLog2Size, int abortBit, Runnable signal, SmmuInterrupts interrupts, GuestMemory memory) {
        this.regs = regs;
        this.base = base;
        this.prod = prod;
        this.cons = cons;
        this.enableBit = enableBit;
        this.entryBytes = entryBytes;
        this.maxLog2Size = maxLog2Size;
        this.abortBit = abortBit;
        this.signal = signal;
        this.interrupts = interrupts;
        this.memory = memory;
    }

    /** Appends one entry; returns whether it reached the queue. */
    boolean append(long[] words) {
        if (!regs.enabled(enableBit)) {
            discarded++;
            return false;
        }
        QueueGeometry q = QueueGeometry.of(base.value(), maxLog2Size, entryBytes);
        long p = prod.value();
        long c = cons.value();
        if (q.full(p, c)) {
            discarded++;
            if (((p ^ c) & SmmuRegisters.OVERFLOW_FLAG) == 0) {
                prod.set(p ^ SmmuRegisters.OVERFLOW_FLAG);
                signal.run();
            }
            return false;
        }
        long addr = q.slotAddress(p);
        if (!memory.isRam(addr, entryBytes)) {
            discarded++;
            interrupts.activateError(abortBit);
            return false;
        }
        for (int i = 0; i < words.length; i++) {
            memory.writeRam(addr + 8L * i, 8, words[i]);
        }
        prod.set((p & SmmuRegisters.OVERFLOW_FLAG) | q.next(p));
        written++;
        signal.run();
        return true;
    }

    long written() {
        return written;
    }

    long discarded() {
        return discarded;
    }
}
