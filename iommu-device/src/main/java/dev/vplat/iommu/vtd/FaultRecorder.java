package dev.vplat.iommu.vtd;

import dev.vplat.platform.regs.Register;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Locale;

/**
 * Primary fault logging (VT-d spec §7.2.1, §11.4.9.1, §11.4.14): fault recording registers
 * at CAP.FRO, FSTS.PPF/PFO/FRI, and the fault event. Recording follows the rules QEMU's
 * vtd_report_frcd_fault implements and Linux's dmar_fault() relies on: a set PFO drops new
 * faults; a pending record from the same source-id absorbs a new one (compression); a busy next
 * record sets PFO; FRI is written only when PPF goes 0→1; an event is raised only if no PPF,
 * PFO, IQE, ICE or ITE was pending before.
 */
final class FaultRecorder {
    static final long FRCD_F = 1L << 63;
    static final long FRCD_T_READ = 1L << 62;
    static final long FRCD_PP = 1L << 31;

    private final String owner;
    private final Register fsts;
    private final Register[] low;
    private final Register[] high;
    private final EventInterrupt event;
    private final Trace trace;
    private int next;
    private long recorded;
    private long dropped;

    FaultRecorder(String owner, Register fsts, Register[] low, Register[] high, EventInterrupt event, Trace trace) {
        this.owner = owner;
        this.fsts = fsts;
        this.low = low;
        this.high = high;
        this.event = event;
        this.trace = trace;
    }

    /**
     * Records a DMA-remapping fault.
     *
     * @param pasid the request's PASID, or -1 for a request without PASID (PP=0, PV=0)
     */
    void recordDma(int sid, FaultReason reason, long address, boolean read, int pasid) {
        long hi = sid & 0xFFFFL | (long) reason.code() << 32;
        if (read) {
            hi |= FRCD_T_READ;
        }
        if (pasid >= 0) {
            hi |= FRCD_PP | (long) (pasid & 0xFFFFF) << 40;
        }
        record(sid, hi, address & ~0xFFFL, reason);
    }

    /** Records an interrupt-remapping fault: FI carries the interrupt index in bits 63:48 (§7.1.4). */
    void recordInterrupt(int sid, FaultReason reason, int index) {
        record(sid, sid & 0xFFFFL | (long) reason.code() << 32, (long) (index & 0xFFFF) << 48, reason);
    }

    private void record(int sid, long hi, long lo, FaultReason reason) {
        long before = fsts.value();
        if ((before & VtdRegs.FSTS_PFO) != 0) {
            drop(sid, reason, "PFO set");
            return;
        }
        for (Register h : high) {
            if ((h.value() & FRCD_F) != 0 && (int) (h.value() & 0xFFFF) == sid) {
                drop(sid, reason, "compressed into the pending record of the same source-id");
                return;
            }
        }
        if ((high[next].value() & FRCD_F) != 0) {
            fsts.set(before | VtdRegs.FSTS_PFO);
            drop(sid, reason, "next record busy, PFO set");
            signal(before);
            return;
        }
        int index = next;
        low[index].set(lo);
        high[index].set(hi | FRCD_F);
        next = (next + 1) % high.length;
        recorded++;
        long now = fsts.value();
        if ((now & VtdRegs.FSTS_PPF) == 0) {
            now = now & ~(0xFFL << VtdRegs.FSTS_FRI_SHIFT) | (long) index << VtdRegs.FSTS_FRI_SHIFT | VtdRegs.FSTS_PPF;
            fsts.set(now);
        }
        if (trace.on(TraceCategory.IOMMU)) {
            trace.line(TraceCategory.IOMMU, owner, String.format(Locale.ROOT,
                    "fault FR=0x%02x (%s) sid=%02x:%02x.%x addr=0x%x recorded in FRCD%d", reason.code(), reason,
                    sid >> 8, (sid >> 3) & 0x1F, sid & 7, lo, index));
        }
        signal(before);
    }

    /** Sets a queue-error status bit (IQE/ICE/ITE) under the same event rule as faults. */
    void raiseStatus(int bit) {
        long before = fsts.value();
        fsts.set(before | bit);
        signal(before);
    }

    private void signal(long before) {
        if ((before & VtdRegs.FSTS_EVENT_PENDING) == 0) {
            event.raise();
        }
    }

    private void drop(int sid, FaultReason reason, String why) {
        dropped++;
        trace.log(TraceCategory.IOMMU, owner, String.format(Locale.ROOT, "fault FR=0x%02x sid=%04x not recorded: %s",
                reason.code(), sid, why));
    }

    /** After software cleared an F bit: PPF follows the records (FRI is left as it was). */
    void updatePpf() {
        boolean any = false;
        for (Register h : high) {
            any |= (h.value() & FRCD_F) != 0;
        }
        long v = fsts.value();
        fsts.set(any ? v | VtdRegs.FSTS_PPF : v & ~VtdRegs.FSTS_PPF);
    }

    /** After an FSTS write: once nothing that raises the event is left, IP is cleared (spec §11.4.9.2). */
    void onStatusWrite() {
        if ((fsts.value() & VtdRegs.FSTS_EVENT_PENDING) == 0) {
            event.clearPending();
        }
    }

    /** Translation disable restarts recording at record 0, as QEMU does. */
    void resetIndex() {
        next = 0;
    }

    void reset() {
        next = 0;
    }

    long recorded() {
        return recorded;
    }

    long dropped() {
        return dropped;
    }
}
