package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.HostPageAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * The host side of the SMMUv3 event queue (IHI 0070 §7.2–7.4; Linux arm_smmu_evtq_thread): a
 * ring of 32-byte records in one host page that the unit produces into. Draining reads records
 * from CONS up to PROD, moving CONS after each one (queue_remove_raw), notes an overflow when
 * PROD.OVFLG toggled, and finally acknowledges it by copying OVFLG to CONS.OVACKFLG
 * (queue_sync_cons_ovf).
 */
final class SmmuEventQueue {
    private static final int ENTRY_BYTES = 32;

    private final SmmuMmio regs;
    private final GuestMemory ram;
    private final int log2Entries;
    private final long queue;
    private int cons;
    private int overflowFlag;
    private long overflows;

    SmmuEventQueue(SmmuMmio regs, GuestMemory ram, HostPageAllocator pages, int log2Entries) {
        this.regs = regs;
        this.ram = ram;
        this.log2Entries = log2Entries;
        this.queue = HostTables.zeroedBlock(ram, pages, HostTables.pagesFor((long) ENTRY_BYTES << log2Entries));
    }

    /** EVENTQ_BASE: WA | address | LOG2SIZE. */
    long baseRegister() {
        return SmmuRegs.Q_BASE_RWA | queue | log2Entries;
    }

    /** Times the unit reported records lost to a full queue. */
    long overflows() {
        return overflows;
    }

    /** Reads every pending record, oldest first. */
    List<long[]> drain() {
        List<long[]> records = new ArrayList<>();
        int mask = (2 << log2Entries) - 1;
        int prod;
        do {
            prod = regs.read32(SmmuRegs.EVTQ_PROD);
            while (((prod ^ cons) & mask) != 0) {
                long slot = queue + (long) (cons & ((1 << log2Entries) - 1)) * ENTRY_BYTES;
                long[] dw = new long[4];
                for (int i = 0; i < 4; i++) {
                    dw[i] = ram.readRam(slot + 8L * i, 8);
                }
                records.add(dw);
                cons = (cons & SmmuRegs.Q_OVERFLOW_FLAG) | ((cons + 1) & mask);
                regs.write32(SmmuRegs.EVTQ_CONS, cons);
            }
            if ((prod & SmmuRegs.Q_OVERFLOW_FLAG) != overflowFlag) {
                overflowFlag = prod & SmmuRegs.Q_OVERFLOW_FLAG;
                overflows++;
            }
        } while (((regs.read32(SmmuRegs.EVTQ_PROD) ^ cons) & mask) != 0);
        cons = overflowFlag | (cons & mask);
        regs.write32(SmmuRegs.EVTQ_CONS, cons);
        return records;
    }
}
