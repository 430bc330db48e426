package dev.vplat.iommu.vtd;

import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.vtd.VtdHarness.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Scalable-mode tables (spec §9.2, §9.4–9.7): root/context halves, PASID directory and table, PGTT. */
class ScalableTranslationTest {
    private static final int SID = 0x0008;
    private static final int PGTT_FL = 1;
    private static final int PGTT_SL = 2;
    private static final int PGTT_PT = 4;

    private VtdHarness h;
    private long pasidTable;

    private void setUp(String options, int sid) {
        h = VtdHarness.create(options);
        long root = h.alloc(1);
        long ct = h.alloc(1);
        long dir = h.alloc(1);
        pasidTable = h.alloc(1);
        h.poke(root + (sid >>> 8) * 16L + ((sid & 0x80) != 0 ? 8 : 0), ct | 1);
        long ce = ct + (sid & 0x7F) * 32L;
        h.poke(ce, dir | 1 | 1L << 3);                    // P, PASIDE, PDTS=0 (128 directory entries)
        h.poke(ce + 8, 0);                                // RID_PASID = 0
        h.poke(dir, pasidTable | 1);
        h.w64(VtdRegs.RTADDR, root | 1L << 10);
        h.command(VtdRegs.SRTP, true);
        h.command(VtdRegs.TE, true);
    }

    private void pasidEntry(int pasid, long q0, long q1, long q2) {
        long pe = pasidTable + (pasid & 0x3F) * 64L;
        h.poke(pe, q0);
        h.poke(pe + 8, q1);
        h.poke(pe + 16, q2);
    }

    /** First-level (x86-64) 4-level mapping; non-leaf entries P|RW|US. */
    private void mapFirstLevel(long table, long iova, long pa, long leafFlags, int leafLevel) {
        long t = table;
        for (int level = 4; level > leafLevel; level--) {
            long slot = t + ((iova >>> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            long e = h.peek(slot);
            if ((e & 1) == 0) {
                e = h.alloc(1) | 7;
                h.poke(slot, e);
            }
            t = e & 0x000F_FFFF_FFFF_F000L;
        }
        h.poke(t + ((iova >>> (12 + 9 * (leafLevel - 1))) & 0x1FF) * 8, pa | leafFlags | (leafLevel > 1 ? 0x80 : 0));
    }

    @Test
    void secondLevelPasidEntryTranslatesRequestsWithoutPasidThroughRidPasid() {
        setUp("intel-iommu,x-scalable-mode=on", SID);
        long sl = h.alloc(1);
        pasidEntry(0, sl | 2L << 2 | PGTT_SL << 6 | 1, 7, 0);
        h.map4k(sl, 4, 0x5000, 0x40_0000, RW);
        assertEquals(Translation.ok(0x40_0008, 0xFF8), h.read(SID, 0x5008));
    }

    @Test
    void upperHalfOfTheRootEntryServesDevfnFrom0x80() {
        setUp("intel-iommu,x-scalable-mode=on", 0x0180);
        long sl = h.alloc(1);
        pasidEntry(0, sl | 1L << 2 | PGTT_SL << 6 | 1, 7, 0);
        h.map4k(sl, 3, 0, 0x41_0000, RW);
        assertEquals(Translation.ok(0x41_0000, 0x1000), h.write(0x0180, 0));
    }

    @Test
    void passThroughPasidEntryIsIdentity() {
        setUp("intel-iommu,x-scalable-mode=on", SID);
        pasidEntry(0, PGTT_PT << 6 | 1, 3, 0);
        assertEquals(Translation.ok(0x1234_5678L, 0x1000 - 0x678), h.read(SID, 0x1234_5678L));
    }

    @Test
    void firstLevelWalkChecksUserAndWriteAndSetsAccessedAndDirty() {
        setUp("intel-iommu,x-scalable-mode=on,x-flts=on", SID);
        long fl = h.alloc(1);
        pasidEntry(0, PGTT_FL << 6 | 1, 9, fl);
        mapFirstLevel(fl, 0x7000, 0x50_0000, 0x7, 1);      // P | RW | US
        assertEquals(Translation.ok(0x50_0000, 0x1000), h.read(SID, 0x7000));
        long leaf = h.peek(fl) & ~0xFFFL;
        leaf = h.peek(leaf) & ~0xFFFL;
        leaf = h.peek(leaf) & ~0xFFFL;
        long pte = h.peek(leaf + 7 * 8);
        assertEquals(0x20, pte & 0x60);                    // A set by the read, D not yet
        assertEquals(Translation.ok(0x50_0000, 0x1000), h.write(SID, 0x7000));
        assertEquals(0x60, h.peek(leaf + 7 * 8) & 0x60);   // the write through the cached entry set D
    }

    @Test
    void firstLevelFaultReasons() {
        setUp("intel-iommu,x-scalable-mode=on,x-flts=on", SID);
        long fl = h.alloc(1);
        pasidEntry(0, PGTT_FL << 6 | 1, 9, fl);
        mapFirstLevel(fl, 0x1000, 0x50_0000, 0x5, 1);      // read-only
        mapFirstLevel(fl, 0x2000, 0x51_0000, 0x3, 1);      // supervisor-only
        assertEquals(DmaStatus.PERMISSION_FAULT, h.write(SID, 0x1000).status());
        assertEquals(0x85, next());
        h.read(SID, 0x2000);
        assertEquals(0x81, next());
        h.read(SID, 0x3000);
        assertEquals(0x71, next());
        h.read(SID, 0x0000_8000_0000_0000L);
        assertEquals(0x80, next());
    }

    @Test
    void firstLevelTwoMegabyteAndOneGigabytePages() {
        setUp("intel-iommu,x-scalable-mode=on,x-flts=on", SID);
        long fl = h.alloc(1);
        pasidEntry(0, PGTT_FL << 6 | 1, 9, fl);
        mapFirstLevel(fl, 0x20_0000, 0x60_0000, 0x7, 2);
        mapFirstLevel(fl, 0x40_0000_0000L, 0x8000_0000L, 0x7, 3);
        assertEquals(0x61_2345, h.read(SID, 0x21_2345).address());
        assertEquals(0x8123_4567L, h.read(SID, 0x40_0123_4567L).address());
    }

    @Test
    void requestWithPasidUsesItsOwnPasidEntry() {
        setUp("intel-iommu,x-scalable-mode=on,x-pasid-mode=on", SID);
        long sl = h.alloc(1);
        pasidEntry(5, sl | 1L << 2 | PGTT_SL << 6 | 1, 8, 0);
        h.map4k(sl, 3, 0x3000, 0x70_0000, RW);
        assertEquals(Translation.ok(0x70_0000, 0x1000), h.unit.translate(SID, 5, 0x3000, false));
        h.unit.translate(SID, 5, 0x4000, true);
        // PP=1, PV=5, FR=0x85 (write denied), T=0
        assertEquals(0x8000_0585_8000_0008L, h.frcdHi(0));
    }

    @Test
    void pasidRequestWithPasidDisabledInContextFaults0x45() {
        setUp("intel-iommu,x-scalable-mode=on,x-pasid-mode=on", SID);
        h.unit.translate(SID, 3, 0, false);
        assertEquals(0x59, next());                        // PASIDE set, entry 3 not present
        h.command(VtdRegs.SRTP, true);                     // start over with a context without PASIDE
        long root = h.r64(VtdRegs.RTADDR) & ~0xFFFL;
        long ct = h.peek(root) & ~0xFFFL;
        h.poke(ct + 0x20 * (SID & 0x7F), h.peek(ct + 0x20 * (SID & 0x7F)) & ~8L);
        h.unit.translate(SID, 3, 0, false);
        assertEquals(0x45, next());
    }

    @Test
    void scalableStructureFaultsUseScalableCodes() {
        setUp("intel-iommu,x-scalable-mode=on", SID);
        h.read(SID, 0);
        assertEquals(0x59, next());                        // PASID entry 0 not present
        pasidEntry(0, 3L << 6 | 1, 7, 0);                  // PGTT=011 nested: not offered
        h.read(SID, 0);
        assertEquals(0x5B, next());
        h.read(0x0010, 0);                                 // devfn 0x10: context not present
        assertEquals(0x41, next());
        h.read(0x0100, 0);                                 // bus 1: root entry not present
        assertEquals(0x39, next());
    }

    @Test
    void secondLevelScalableDeniedUsesScalableReadCode() {
        setUp("intel-iommu,x-scalable-mode=on", SID);
        long sl = h.alloc(1);
        pasidEntry(0, sl | 1L << 2 | PGTT_SL << 6 | 1, 7, 0);
        h.read(SID, 0x9000);
        assertEquals(0x86, next());
    }

    @Test
    void pasidIotlbInvalidationDropsFirstLevelEntriesOfThatPasidOnly() {
        setUp("intel-iommu,x-scalable-mode=on,x-flts=on", SID);
        long fl = h.alloc(1);
        pasidEntry(0, PGTT_FL << 6 | 1, 9, fl);
        mapFirstLevel(fl, 0x1000, 0x50_0000, 0x7, 1);
        h.read(SID, 0x1000);
        long leafTable = h.peek(h.peek(h.peek(fl) & ~0xFFFL) & ~0xFFFL) & ~0xFFFL;
        h.poke(leafTable + 8, 0x52_0000 | 0x67);
        h.enableQueue(true);
        h.submit(0x12 | 0x20 | 9L << 16, 0);               // IOTLB DSI: second-level only
        assertEquals(0x50_0000, h.read(SID, 0x1000).address());
        h.submit(0x06 | 0x20 | 9L << 16 | 1L << 32, 0);    // P-IOTLB for PASID 1: other PASID
        assertEquals(0x50_0000, h.read(SID, 0x1000).address());
        h.submit(0x06 | 0x20 | 9L << 16, 0);               // P-IOTLB all of PASID 0 in DID 9
        assertEquals(0x52_0000, h.read(SID, 0x1000).address());
    }

    @Test
    void pasidCacheKeepsAChangedPasidEntryUntilPasidCacheInvalidation() {
        setUp("intel-iommu,x-scalable-mode=on", SID);
        long sl = h.alloc(1);
        pasidEntry(0, sl | 1L << 2 | PGTT_SL << 6 | 1, 7, 0);
        h.map4k(sl, 3, 0, 0x40_0000, RW);
        h.read(SID, 0);
        pasidEntry(0, PGTT_PT << 6 | 1, 7, 0);
        assertEquals(0x40_0000, h.read(SID, 0).address());
        h.enableQueue(true);
        h.submit(0x07 | 1L << 4 | 7L << 16, 0);            // PASID-selective, DID 7, PASID 0
        assertEquals(0, h.read(SID, 0).address());
    }

    private int next() {
        int fr = h.faultReason(0);
        h.clearFaults(0);
        return fr;
    }
}
