package dev.vplat.iommu.vtd;

import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.memory.MemoryAccessException;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Interrupt remapping (VT-d spec chapter 5, §9.10): remappable-format MSIs index the interrupt
 * remapping table latched from IRTA by GCMD.SIRTP; compatibility-format MSIs pass only while
 * GSTS.CFIS=1 and IRTA.EIME=0. Present IRTEs are kept in an interrupt entry cache until an IEC
 * invalidation, as hardware does; posted-format IRTEs are not supported (CAP.PI=0), so IM=1 is
 * a reserved-bit fault. Every failure is recorded as a fault (0x20–0x26) and the MSI blocked.
 */
final class InterruptRemapping {
    private final String owner;
    private final VtdConfig config;
    private final GuestMemory memory;
    private final FaultRecorder faults;
    private final Trace trace;
    private final Map<Integer, long[]> entryCache = new HashMap<>();

    private long table;
    private int entries;
    private boolean eime;
    private long staleEntries;

    InterruptRemapping(String owner, VtdConfig config, GuestMemory memory, FaultRecorder faults, Trace trace) {
        this.owner = owner;
        this.config = config;
        this.memory = memory;
        this.faults = faults;
        this.trace = trace;
    }

    /** GCMD.SIRTP: latch IRTA (§11.4.10); the entry cache starts empty for the new table. */
    void setTable(long irta) {
        table = irta & config.hawMask() & ~0xFFFL;
        entries = 1 << ((irta & 0xF) + 1);
        eime = config.eim() && (irta & VtdRegs.IRTA_EIME) != 0;
        entryCache.clear();
    }

    void invalidateAll() {
        entryCache.clear();
    }

    /** Index-selective IEC invalidation: 2^im entries starting at {@code index} aligned down. */
    void invalidateIndex(int index, int im) {
        int first = index & ~((1 << im) - 1);
        int last = first + (1 << im) - 1;
        entryCache.keySet().removeIf(i -> i >= first && i <= last);
    }

    /** Remaps one MSI from {@code sid}; null means blocked (and recorded unless FPD says otherwise). */
    MsiMessage remap(MsiMessage m, boolean cfis) {
        int sid = m.requesterId();
        long addr = m.address();
        int data = m.data();
        if ((addr >>> 32) != 0 || (addr >>> 20 & 0xFFF) != 0xFEE) {
            return block(sid, FaultReason.IR_REQUEST_RESERVED, 0, false);
        }
        if ((addr & 0x10) == 0) {
            if (cfis && !eime) {
                return m;
            }
            return block(sid, FaultReason.IR_COMPATIBILITY_BLOCKED, 0, false);
        }
        int index = (int) (addr >>> 5 & 0x7FFF) | (int) (addr >>> 2 & 1) << 15;
        if ((addr & 0x8) != 0) {
            if ((data >>> 16) != 0) {
                return block(sid, FaultReason.IR_REQUEST_RESERVED, index, false);
            }
            index += data & 0xFFFF;
        }
        if (index >= entries) {
            return block(sid, FaultReason.IR_INDEX_OVERFLOW, index & 0xFFFF, false);
        }
        long[] irte = entryCache.get(index);
        boolean cached = irte != null;
        if (!cached) {
            try {
                irte = new long[] {memory.readRam(table + index * 16L, 8), memory.readRam(table + index * 16L + 8, 8)};
            } catch (MemoryAccessException e) {
                return block(sid, FaultReason.IR_TABLE_ACCESS_ERROR, index, false);
            }
        }
        FaultReason bad = validate(irte, sid);
        if (bad != null) {
            return block(sid, bad, index, (irte[0] & 2) != 0);
        }
        if (!cached) {
            entryCache.put(index, irte);
        } else if (config.strict()) {
            checkCached(index, irte);
        }
        return output(irte, addr, m.requesterId());
    }

    /** Reserved bits (§9.10, remapped format) and source-id verification (SVT/SQ/SID). */
    private FaultReason validate(long[] irte, int sid) {
        long lo = irte[0];
        long hi = irte[1];
        if ((lo & 1) == 0) {
            return FaultReason.IR_ENTRY_NOT_PRESENT;
        }
        long reserved = 0xF000L | 0xFF00_0000L;   // bits 14:12, IM (15, posted unsupported), 31:24
        if (!eime) {
            reserved |= 0xFF_0000_0000L | 0xFFFF_0000_0000_0000L;   // xAPIC: only DST bits 47:40
        }
        int svt = (int) (hi >>> 18) & 3;
        if ((lo & reserved) != 0 || (hi >>> 20) != 0) {
            return FaultReason.IR_ENTRY_RESERVED;
        }
        int expected = (int) (hi & 0xFFFF);
        switch (svt) {
            case 0:
                return null;
            case 1: {
                int sq = (int) (hi >>> 16) & 3;
                int mask = new int[] {0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8}[sq];
                return sid >= 0 && (sid & mask) == (expected & mask) ? null : FaultReason.IR_SOURCE_ID_INVALID;
            }
            case 2: {
                int bus = sid >>> 8;
                return sid >= 0 && bus >= (expected >>> 8) && bus <= (expected & 0xFF) ? null
                        : FaultReason.IR_SOURCE_ID_INVALID;
            }
            default:
                return FaultReason.IR_SOURCE_ID_INVALID;
        }
    }

    /** The interrupt the IRTE describes, as an x86 MSI (destination in address bits 19:12 and 63:40). */
    private MsiMessage output(long[] irte, long originalAddress, int sid) {
        long lo = irte[0];
        long dest = eime ? lo >>> 32 : (lo >>> 40) & 0xFF;
        long address = MsiMessage.X86_WINDOW_BASE | (dest & 0xFF) << 12 | (dest >>> 8) << 40
                | (lo >>> 3 & 1) << 3 | (lo >>> 2 & 1) << 2 | originalAddress & 3;
        int data = (int) (lo >>> 16 & 0xFF) | (int) (lo >>> 5 & 7) << 8 | 1 << 14 | (int) (lo >>> 4 & 1) << 15;
        return new MsiMessage(address, data, sid);
    }

    private MsiMessage block(int sid, FaultReason reason, int index, boolean fpd) {
        if (!(fpd && reason.qualified())) {
            faults.recordInterrupt(sid < 0 ? 0 : sid, reason, index);
        }
        trace.log(TraceCategory.IRQ, owner, String.format(Locale.ROOT, "MSI from %04x blocked: %s (index %d)",
                sid & 0xFFFF, reason, index));
        return null;
    }

    private void checkCached(int index, long[] cachedIrte) {
        try {
            long lo = memory.readRam(table + index * 16L, 8);
            long hi = memory.readRam(table + index * 16L + 8, 8);
            if (lo == cachedIrte[0] && hi == cachedIrte[1]) {
                return;
            }
        } catch (MemoryAccessException e) {
            // a table that is no longer readable differs from the cached entry too
        }
        staleEntries++;
        trace.log(TraceCategory.IOMMU, owner, String.format(Locale.ROOT,
                "stale interrupt entry (missing IEC invalidation?): index %d", index));
    }

    long staleEntries() {
        return staleEntries;
    }

    void reset() {
        table = 0;
        entries = 2;
        eime = false;
        entryCache.clear();
    }
}
