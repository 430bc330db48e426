package dev.vplat.iommu.vtd;

import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.memory.MemoryAccessException;

import static dev.vplat.iommu.vtd.FaultReason.*;

/**
 * Reads the remapping structures from guest RAM: root and context entries (legacy §9.1–9.3,
 * scalable §9.2/§9.4), PASID directory and table entries (§9.5, §9.6), second-level
 * (§9.8, §3.7) and first-level (§9.7, §3.6) paging entries. Every structure is fetched with
 * {@link GuestMemory#readRam}, so a pointer into MMIO or unbacked space is an access fault,
 * never a device-register read; every walk visits at most one entry per level, so a table that
 * points at itself terminates.
 */
final class TableWalker {
    private static final long SL_PS = 1L << 7;
    private static final long SL_SNP = 1L << 11;
    private static final long SL_TM = 1L << 62;
    private static final long FL_P = 1;
    private static final long FL_RW = 1L << 1;
    private static final long FL_US = 1L << 2;
    private static final long FL_A = 1L << 5;
    private static final long FL_D = 1L << 6;
    private static final long FL_PS = 1L << 7;

    /** Result of a successful page walk; reused, so a walk allocates nothing. */
    static final class PageWalk {
        long output;
        int level;
        int perms;
        boolean dirty;
    }

    private final GuestMemory memory;
    private final VtdConfig config;
    private final long haw;
    /** Bits 51:HAW, reserved in every paging entry (QEMU VTD_SPTE_*_RSVD_MASK with HAW = aw-bits). */
    private final long aboveHaw;
    private long entryReads;

    TableWalker(GuestMemory memory, VtdConfig config) {
        this.memory = memory;
        this.config = config;
        this.haw = config.hawMask();
        this.aboveHaw = ((1L << 52) - 1) & ~haw;
    }

    /** Structure entries read so far: every step of every walk, the bound on work per DMA. */
    long entryReads() {
        return entryReads;
    }

    private long read(long addr, FaultReason onError, boolean fpd) throws WalkFault {
        entryReads++;
        try {
            return memory.readRam(addr, 8);
        } catch (MemoryAccessException e) {
            throw new WalkFault(onError, fpd);
        }
    }

    private long pointer(long entry) {
        return entry & haw & ~0xFFFL;
    }

    /** Legacy-mode root and context entry of {@code sid} (spec §9.1, §9.3). */
    ContextEntry legacyContext(long rootTable, int sid) throws WalkFault {
        int bus = sid >>> 8;
        int devfn = sid & 0xFF;
        long rootLo = read(rootTable + bus * 16L, ROOT_TABLE_INVALID, false);
        long rootHi = read(rootTable + bus * 16L + 8, ROOT_TABLE_INVALID, false);
        if ((rootLo & 1) == 0) {
            throw new WalkFault(ROOT_ENTRY_NOT_PRESENT, false);
        }
        if ((rootLo & 0xFFEL) != 0 || (rootLo & ~haw) != 0 || rootHi != 0) {
            throw new WalkFault(ROOT_ENTRY_RESERVED, false);
        }
        long ce = pointer(rootLo) + devfn * 16L;
        long lo = read(ce, CONTEXT_TABLE_INVALID, false);
        long hi = read(ce + 8, CONTEXT_TABLE_INVALID, false);
        if ((lo & 1) == 0) {
            throw new WalkFault(CONTEXT_ENTRY_NOT_PRESENT, false);
        }
        if ((lo & 0xFF0L) != 0 || (lo & ~haw) != 0 || (hi & 0x80L) != 0 || (hi >>> 24) != 0) {
            throw new WalkFault(CONTEXT_ENTRY_RESERVED, false);
        }
        boolean fpd = (lo & 2) != 0;
        int tt = (int) (lo >>> 2) & 3;
        int did = (int) (hi >>> 8) & 0xFFFF;
        if (tt == 3 || (tt == 1 && !config.deviceIotlb()) || (tt == 2 && !config.pt())) {
            throw new WalkFault(CONTEXT_ENTRY_INVALID, fpd);
        }
        if (tt == 2) {
            return ContextEntry.legacy(sid, fpd, new TranslationContext(TranslationContext.Kind.PASS_THROUGH, did,
                    Iotlb.NO_PASID_TAG, 0, 0, fpd, false));
        }
        int aw = (int) (hi & 7);
        if (!config.supportsAw(aw)) {
            throw new WalkFault(CONTEXT_ENTRY_INVALID, fpd);
        }
        return ContextEntry.legacy(sid, fpd, new TranslationContext(TranslationContext.Kind.SECOND_LEVEL, did,
                Iotlb.NO_PASID_TAG, pointer(lo), aw + 2, fpd, false));
    }

    /** Scalable-mode root and context entry of {@code sid} (spec §9.2, §9.4). */
    ContextEntry scalableContext(long rootTable, int sid) throws WalkFault {
        int bus = sid >>> 8;
        int devfn = sid & 0xFF;
        long half = read(rootTable + bus * 16L + (devfn >= 0x80 ? 8 : 0), SM_ROOT_ENTRY_ACCESS, false);
        if ((half & 1) == 0) {
            throw new WalkFault(SM_ROOT_ENTRY_NOT_PRESENT, false);
        }
        if ((half & 0xFFEL) != 0 || (half & ~haw) != 0) {
            throw new WalkFault(SM_ROOT_ENTRY_RESERVED, false);
        }
        long ce = pointer(half) + (devfn & 0x7F) * 32L;
        long v0 = read(ce, SM_CONTEXT_ENTRY_ACCESS, false);
        long v1 = read(ce + 8, SM_CONTEXT_ENTRY_ACCESS, false);
        long v2 = read(ce + 16, SM_CONTEXT_ENTRY_ACCESS, false);
        long v3 = read(ce + 24, SM_CONTEXT_ENTRY_ACCESS, false);
        if ((v0 & 1) == 0) {
            throw new WalkFault(SM_CONTEXT_ENTRY_NOT_PRESENT, false);
        }
        if ((v0 & 0x1E0L) != 0 || (v0 & ~haw) != 0 || (v1 >>> 21) != 0 || v2 != 0 || v3 != 0) {
            throw new WalkFault(SM_CONTEXT_ENTRY_RESERVED, false);
        }
        boolean fpd = (v0 & 2) != 0;
        if ((v0 & 4) != 0 && !config.deviceIotlb()) {
            throw new WalkFault(SM_CONTEXT_ENTRY_INVALID, fpd);
        }
        int pdts = (int) (v0 >>> 9) & 7;
        return ContextEntry.scalable(sid, fpd, pointer(v0), 1 << (pdts + 7), (int) (v1 & 0xFFFFF), (v0 & 8) != 0);
    }

    /** PASID directory and table entry for {@code pasid} under a scalable context (spec §9.5, §9.6). */
    TranslationContext pasidEntry(ContextEntry ce, int pasid, boolean requestHasPasid) throws WalkFault {
        boolean fpd = ce.fpd;
        if (requestHasPasid && (!ce.pasidEnable || !config.pasidMode())) {
            throw new WalkFault(SM_PASID_DISABLED, fpd);
        }
        int dirIndex = pasid >>> 6;
        if (dirIndex >= ce.pasidDirectoryEntries) {
            throw new WalkFault(SM_PASID_BEYOND_DIRECTORY, fpd);
        }
        long pde = read(ce.pasidDirectory + dirIndex * 8L, SM_PASID_DIR_ACCESS, fpd);
        if ((pde & 1) == 0) {
            throw new WalkFault(SM_PASID_DIR_NOT_PRESENT, fpd);
        }
        if ((pde & 0xFFCL) != 0 || (pde & ~haw) != 0) {
            throw new WalkFault(SM_PASID_DIR_RESERVED, fpd);
        }
        fpd |= (pde & 2) != 0;
        long pe = pointer(pde) + (pasid & 0x3F) * 64L;
        long q0 = read(pe, SM_PASID_ENTRY_ACCESS, fpd);
        if ((q0 & 1) == 0) {
            throw new WalkFault(SM_PASID_ENTRY_NOT_PRESENT, fpd);
        }
        long q1 = read(pe + 8, SM_PASID_ENTRY_ACCESS, fpd);
        long q2 = read(pe + 16, SM_PASID_ENTRY_ACCESS, fpd);
        long rest = 0;
        for (int i = 3; i < 8; i++) {
            rest |= read(pe + 8L * i, SM_PASID_ENTRY_ACCESS, fpd);
        }
        fpd |= (q0 & 2) != 0;
        if ((q0 & 0xC00L) != 0 || (q0 & ~haw) != 0 || (q1 & 0x7F_0000L) != 0 || (q2 & 0xF00L) != 0
                || (q2 & ~haw) != 0 || rest != 0) {
            throw new WalkFault(SM_PASID_ENTRY_RESERVED, fpd);
        }
        int did = (int) (q1 & 0xFFFF);
        int pgtt = (int) (q0 >>> 6) & 7;
        switch (pgtt) {
            case 1: {
                int flpm = (int) (q2 >>> 2) & 3;
                if (!config.flts() || flpm != 0) {
                    throw new WalkFault(SM_PASID_ENTRY_INVALID, fpd);
                }
                return new TranslationContext(TranslationContext.Kind.FIRST_LEVEL, did, pasid, pointer(q2), 4, fpd, true);
            }
            case 2: {
                int aw = (int) (q0 >>> 2) & 7;
                if (!config.secondLevelSupported() || !config.supportsAw(aw)) {
                    throw new WalkFault(SM_PASID_ENTRY_INVALID, fpd);
                }
                return new TranslationContext(TranslationContext.Kind.SECOND_LEVEL, did, pasid, pointer(q0), aw + 2, fpd, true);
            }
            case 4:
                if (!config.pt()) {
                    throw new WalkFault(SM_PASID_ENTRY_INVALID, fpd);
                }
                return new TranslationContext(TranslationContext.Kind.PASS_THROUGH, did, pasid, 0, 0, fpd, true);
            default:
                throw new WalkFault(SM_PASID_ENTRY_INVALID, fpd);
        }
    }

    /** Walks the paging structures of {@code tc} for {@code iova}; fills {@code out} or throws the fault. */
    void walk(TranslationContext tc, long iova, boolean write, boolean updateFlags, PageWalk out) throws WalkFault {
        if (tc.kind == TranslationContext.Kind.FIRST_LEVEL) {
            walkFirstLevel(tc, iova, write, updateFlags, out);
        } else {
            walkSecondLevel(tc, iova, write, out);
        }
    }

    private void walkSecondLevel(TranslationContext tc, long iova, boolean write, PageWalk out) throws WalkFault {
        boolean sm = tc.scalable;
        boolean fpd = tc.fpd;
        int width = Math.min(12 + 9 * tc.levels, config.awBits());
        if ((iova >>> width) != 0) {
            throw new WalkFault(sm ? SM_ADDRESS_BEYOND_MAX : ADDRESS_BEYOND_MGAW, fpd);
        }
        int need = write ? Iotlb.PERM_WRITE : Iotlb.PERM_READ;
        FaultReason denied = write ? (sm ? SM_WRITE_DENIED : WRITE_DENIED) : (sm ? SM_READ_DENIED : READ_DENIED);
        long table = tc.tableRoot;
        int perms = Iotlb.PERM_READ | Iotlb.PERM_WRITE;
        for (int level = tc.levels; level >= 1; level--) {
            int shift = Iotlb.shift(level);
            FaultReason readError = level == tc.levels ? (sm ? SM_SL_TOP_INVALID : CONTEXT_ENTRY_INVALID)
                    : (sm ? SM_SL_ENTRY_ACCESS : PAGING_ENTRY_INVALID);
            long pte = read(table + ((iova >>> shift) & 0x1FF) * 8, readError, fpd);
            boolean leaf = level == 1 || ((pte & SL_PS) != 0 && level <= 3);
            if ((pte & 3) != 0 && secondLevelReserved(pte, level, leaf, sm)) {
                throw new WalkFault(sm ? SM_SL_ENTRY_RESERVED : PAGING_ENTRY_RESERVED, fpd);
            }
            // No present bit: an entry without R and W is not present and faults as a denied access.
            perms &= (int) (pte & 3);
            if ((perms & need) == 0) {
                throw new WalkFault(denied, fpd);
            }
            if (leaf) {
                long size = 1L << shift;
                long output = pte & haw & ~(size - 1);
                if (overlapsInterruptWindow(output, size)) {
                    throw new WalkFault(sm ? SM_INTERRUPT_ADDRESS : INTERRUPT_ADDRESS, fpd);
                }
                out.output = output;
                out.level = level;
                out.perms = perms;
                out.dirty = false;
                return;
            }
            table = pointer(pte);
        }
        throw new IllegalStateException("unreachable: level 1 is always a leaf");
    }

    /** Reserved bits of a present second-level entry (spec §9.8; QEMU VTD_SPTE_*_RSVD_MASK). */
    private boolean secondLevelReserved(long pte, int level, boolean leaf, boolean sm) {
        long reserved = aboveHaw | SL_TM;
        if (!(leaf && (sm || config.snoopControl()))) {
            reserved |= SL_SNP;
        }
        if (level >= 4) {
            reserved |= SL_PS;
        }
        if (leaf && level == 2) {
            reserved |= 0x1F_F000L;
        } else if (leaf && level == 3) {
            reserved |= 0x3FFF_F000L;
        }
        return (pte & reserved) != 0;
    }

    private void walkFirstLevel(TranslationContext tc, long iova, boolean write, boolean updateFlags, PageWalk out)
            throws WalkFault {
        boolean fpd = tc.fpd;
        if ((iova >> 47) != 0 && (iova >> 47) != -1) {
            throw new WalkFault(SM_NOT_CANONICAL, fpd);
        }
        long table = tc.tableRoot;
        int perms = Iotlb.PERM_READ | Iotlb.PERM_WRITE;
        for (int level = 4; level >= 1; level--) {
            int shift = Iotlb.shift(level);
            long addr = table + ((iova >>> shift) & 0x1FF) * 8;
            long pte = read(addr, level == 4 ? SM_FL_TOP_ACCESS : SM_FL_ENTRY_ACCESS, fpd);
            if ((pte & FL_P) == 0) {
                throw new WalkFault(SM_FL_ENTRY_NOT_PRESENT, fpd);
            }
            boolean leaf = level == 1 || ((pte & FL_PS) != 0 && level <= 3);
            if (firstLevelReserved(pte, level, leaf)) {
                throw new WalkFault(SM_FL_ENTRY_RESERVED, fpd);
            }
            if ((pte & FL_US) == 0) {
                throw new WalkFault(SM_USER_DENIED, fpd);
            }
            if ((pte & FL_RW) == 0) {
                perms &= ~Iotlb.PERM_WRITE;
                if (write) {
                    throw new WalkFault(SM_WRITE_DENIED, fpd);
                }
            }
            long flags = FL_A | (leaf && write ? FL_D : 0);
            if (updateFlags && (pte & flags) != flags) {
                try {
                    memory.writeRam(addr, 8, pte | flags);
                } catch (MemoryAccessException e) {
                    throw new WalkFault(SM_FL_AD_UPDATE_FAILED, fpd);
                }
                pte |= flags;
            }
            if (leaf) {
                long size = 1L << shift;
                long output = pte & haw & ~(size - 1);
                if (overlapsInterruptWindow(output, size)) {
                    throw new WalkFault(SM_INTERRUPT_ADDRESS, fpd);
                }
                out.output = output;
                out.level = level;
                out.perms = perms;
                out.dirty = (pte & FL_D) != 0;
                return;
            }
            table = pointer(pte);
        }
        throw new IllegalStateException("unreachable: level 1 is always a leaf");
    }

    /** Reserved bits of a present first-level entry (spec §9.7; bit 12 is PAT in large leaves). */
    private boolean firstLevelReserved(long pte, int level, boolean leaf) {
        long reserved = aboveHaw;
        if (level == 4) {
            reserved |= FL_PS;
        }
        if (leaf && level == 3) {
            reserved |= config.flts() && config.fs1gp() ? 0x3FFF_E000L : 0;
            if (!(config.flts() && config.fs1gp())) {
                return true;
            }
        } else if (leaf && level == 2) {
            reserved |= 0x1F_E000L;
        }
        return (pte & reserved) != 0;
    }

    static boolean overlapsInterruptWindow(long output, long size) {
        long last = output + size - 1;
        return output <= MsiMessage.X86_WINDOW_BASE + MsiMessage.X86_WINDOW_SIZE - 1 && last >= MsiMessage.X86_WINDOW_BASE;
    }
}
