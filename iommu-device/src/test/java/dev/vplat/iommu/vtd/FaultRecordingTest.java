package dev.vplat.iommu.vtd;

import dev.vplat.platform.irq.MsiMessage;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.vtd.VtdHarness.R;
import static dev.vplat.iommu.vtd.VtdHarness.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaultRecordingTest {
    private static final int SID = 0x0008;

    private static VtdHarness legacy() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        return h;
    }

    @Test
    void writeFaultRecordHoldsSidReasonTypeAndPage() {
        VtdHarness h = legacy();
        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0x1000, 0x10_1000, R);
        h.write(SID, 0x1234);
        assertEquals(0x1000, h.frcdLo(0));
        // F=1, T=0 (write), PV=0 (no PASID), FR=5, PP=0, SID=0x0008
        assertEquals(0x8000_0005_0000_0008L, h.frcdHi(0));
        assertEquals(VtdRegs.FSTS_PPF, h.r32(VtdRegs.FSTS));
    }

    @Test
    void unmappedReadRecordsReason6WithTypeRead() {
        VtdHarness h = legacy();
        h.legacyContext(SID, 1, 5);
        h.read(SID, 0x5000);
        assertEquals(0xC000_0006_0000_0008L, h.frcdHi(0));
        assertEquals(0x5000, h.frcdLo(0));
    }

    @Test
    void rootAndContextNotPresentUseReasons1And2() {
        VtdHarness h = legacy();
        h.read(0x0010, 0);
        assertEquals(0xC000_0001_0000_0010L, h.frcdHi(0));
        h.clearFaults(0);
        h.legacyContext(0x0008, 1, 5);   // bus 0 context table now exists, devfn 0x10 not present
        h.read(0x0010, 0);
        assertEquals(0xC000_0002_0000_0010L, h.frcdHi(0));
    }

    @Test
    void addressBeyondAgawUsesReason4() {
        VtdHarness h = legacy();
        h.legacyContext(SID, 1, 5);
        h.read(SID, 1L << 39);
        assertEquals(0x04, h.faultReason(0));
        assertEquals(1L << 39, h.frcdLo(0));
    }

    @Test
    void reservedBitsInRootContextAndPteUseReasonsAToC() {
        VtdHarness h = legacy();
        long ct = h.alloc(1);
        h.poke(h.root, ct | 1 | 0x10);
        h.read(SID, 0);
        assertEquals(0x0A, h.faultReason(0));
        h.clearFaults(0);

        h.poke(h.root, ct | 1);
        h.poke(ct + 0x80, h.alloc(1) | 1 | 0x100);
        h.poke(ct + 0x88, 1 | 5L << 8);
        h.read(SID, 0);
        assertEquals(0x0B, h.faultReason(0));
        h.clearFaults(0);

        long pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0, 0x5000, RW);
        h.poke(h.leafSlot(pt, 3, 0), 0x5000 | RW | 1L << 62);   // TM is reserved
        h.read(SID, 0);
        assertEquals(0x0C, h.faultReason(0));
    }

    @Test
    void rootTableOutsideRamUsesReason8AndContextTableOutsideRamReason9() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.RTADDR, 0x80_0000_0000L);   // beyond RAM
        h.command(VtdRegs.SRTP, true);
        h.command(VtdRegs.TE, true);
        h.read(SID, 0);
        assertEquals(0x08, h.faultReason(0));
        h.clearFaults(0);

        VtdHarness m = legacy();
        m.poke(m.root, m.base | 1);   // context table pointer into the unit's own registers (MMIO)
        m.read(SID, 0);
        assertEquals(0x09, m.faultReason(0));
    }

    @Test
    void lowerLevelTableInMmioUsesReason7() {
        VtdHarness h = legacy();
        long pt = h.legacyContext(SID, 1, 5);
        h.poke(pt, h.base | RW);
        h.read(SID, 0);
        assertEquals(0x07, h.faultReason(0));
    }

    @Test
    void faultsOfTheSameSourceIdAreCompressedWhilePending() {
        VtdHarness h = legacy();
        h.legacyContext(SID, 1, 5);
        h.read(SID, 0x1000);
        h.read(SID, 0x2000);
        assertEquals(0x1000, h.frcdLo(0));
        assertEquals(VtdRegs.FSTS_PPF, h.r32(VtdRegs.FSTS));
        assertEquals(1, h.unit.faultsRecorded());
    }

    @Test
    void faultFromAnotherSourceWithAllRecordsBusySetsPfo() {
        VtdHarness h = legacy();
        h.legacyContext(SID, 1, 5);
        h.legacyContext(0x0010, 1, 5);
        h.read(SID, 0x1000);
        h.read(0x0010, 0x2000);
        assertEquals(VtdRegs.FSTS_PPF | VtdRegs.FSTS_PFO, h.r32(VtdRegs.FSTS));
        assertEquals(0x0008, h.frcdHi(0) & 0xFFFF);
    }

    @Test
    void severalRecordsFillInOrderAndFriPointsAtTheFirst() {
        VtdHarness h = VtdHarness.create("intel-iommu,fault-records=4");
        h.legacyRootAndEnable();
        for (int dev = 1; dev <= 3; dev++) {
            h.legacyContext(dev << 3, 1, 5);
            h.read(dev << 3, dev * 0x1000L);
        }
        assertEquals(VtdRegs.FSTS_PPF, h.r32(VtdRegs.FSTS));   // FRI = 0
        assertEquals(0x18, h.frcdHi(2) & 0xFFFF);
        assertEquals(0x3000, h.frcdLo(2));
        h.clearFaults(0);
        h.w32(VtdRegs.FRCD + 16 + 12, 0x8000_0000L);
        h.w32(VtdRegs.FRCD + 32 + 12, 0x8000_0000L);
        h.legacyContext(4 << 3, 1, 5);
        h.read(4 << 3, 0x4000);
        assertEquals(VtdRegs.FSTS_PPF | 3 << VtdRegs.FSTS_FRI_SHIFT, h.r32(VtdRegs.FSTS));
    }

    @Test
    void fpdSuppressesQualifiedFaults() {
        VtdHarness h = legacy();
        long pt = h.alloc(1);
        h.legacyContextRaw(SID, pt | 2 | 1, 1 | 5L << 8);
        h.read(SID, 0x1000);
        assertEquals(0, h.r32(VtdRegs.FSTS));
        assertEquals(0, h.frcdHi(0));
    }

    @Test
    void fpdDoesNotSuppressContextReservedBitFaults() {
        VtdHarness h = legacy();
        h.legacyContextRaw(SID, h.alloc(1) | 0x10 | 2 | 1, 1 | 5L << 8);
        h.read(SID, 0x1000);
        assertEquals(0x0B, h.faultReason(0));
    }

    @Test
    void maskedFaultEventSetsIpAndUnmaskingSendsTheMessage() {
        VtdHarness h = legacy();
        h.w32(VtdRegs.FEDATA, 0x41);
        h.w32(VtdRegs.FEADDR, 0xFEE0_1000L);
        h.legacyContext(SID, 1, 5);
        h.read(SID, 0x1000);
        assertEquals(0xC000_0000L, h.r32(VtdRegs.FECTL));
        assertTrue(h.msis.isEmpty());
        h.w32(VtdRegs.FECTL, 0);
        assertEquals(0, h.r32(VtdRegs.FECTL));
        assertEquals(java.util.List.of(new MsiMessage(0xFEE0_1000L, 0x41, -1)), h.msis);
    }

    @Test
    void unmaskedFaultSendsAtOnceAndNoSecondEventWhilePpfPending() {
        VtdHarness h = legacy();
        h.w32(VtdRegs.FEDATA, 0x42);
        h.w32(VtdRegs.FEADDR, 0xFEE0_0000L);
        h.w32(VtdRegs.FECTL, 0);
        h.legacyContext(SID, 1, 5);
        h.legacyContext(0x10, 1, 5);
        h.read(SID, 0x1000);
        h.read(0x10, 0x1000);
        assertEquals(1, h.msis.size());
    }

    @Test
    void ipClearsOnlyWhenSoftwareClearsEveryStatusBit() {
        VtdHarness h = legacy();
        h.legacyContext(SID, 1, 5);
        h.read(SID, 0x1000);
        h.w32(VtdRegs.FRCD + 12, 0x8000_0000L);
        assertEquals(0xC000_0000L, h.r32(VtdRegs.FECTL));
        assertEquals(0x4000_0006_0000_0008L, h.frcdHi(0));   // F cleared, the rest kept
        h.w32(VtdRegs.FSTS, 0x13);
        assertEquals(0x8000_0000L, h.r32(VtdRegs.FECTL));
    }

    @Test
    void teDisableRestartsRecordingAtRecordZero() {
        VtdHarness h = VtdHarness.create("intel-iommu,fault-records=2");
        h.legacyRootAndEnable();
        h.legacyContext(SID, 1, 5);
        h.read(SID, 0x1000);
        h.clearFaults(0);
        h.command(VtdRegs.TE, false);
        h.command(VtdRegs.TE, true);
        h.read(SID, 0x2000);
        assertEquals(0x2000, h.frcdLo(0));
    }
}
