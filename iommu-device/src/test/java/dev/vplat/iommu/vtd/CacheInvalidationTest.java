package dev.vplat.iommu.vtd;

import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.vtd.VtdHarness.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The caches as a guest sees them (QEMU fact sheet §1.11 experiment): a PTE changed without an
 * invalidation keeps translating to the old page until an invalidation that covers it.
 */
class CacheInvalidationTest {
    private static final int SID = 0x0008;
    private static final long PAGE_A = 0x10_0000;
    private static final long PAGE_B = 0x20_0000;

    private VtdHarness h;
    private long pt;

    private void setUp(String options) {
        h = VtdHarness.create(options);
        h.legacyRootAndEnable();
        pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0, PAGE_A, RW);
        assertEquals(PAGE_A, h.read(SID, 0).address());
        h.poke(h.leafSlot(pt, 3, 0), PAGE_B | RW);
    }

    private long now() {
        return h.read(SID, 0).address();
    }

    @Test
    void changedPteStaysStaleWithoutInvalidation() {
        setUp("intel-iommu");
        assertEquals(PAGE_A, now());
    }

    @Test
    void pageSelectiveInvalidationOfAnotherPageOrDomainKeepsTheStaleEntry() {
        setUp("intel-iommu");
        h.enableQueue(false);
        h.submit(0x32 | 5L << 16, 0x1000);           // PSI DID 5, other page
        assertEquals(PAGE_A, now());
        h.submit(0x22 | 6L << 16, 0);                 // DSI other domain
        assertEquals(PAGE_A, now());
        h.submit(0x32 | 5L << 16, 0);                 // PSI DID 5, IOVA 0
        assertEquals(PAGE_B, now());
    }

    @Test
    void pageSelectiveInvalidationWithAddressMaskCoversTheRange() {
        setUp("intel-iommu");
        h.enableQueue(false);
        h.submit(0x32 | 5L << 16, 0x2000 | 1);        // AM=1 covers 0x2000-0x3FFF only
        assertEquals(PAGE_A, now());
        h.submit(0x32 | 5L << 16, 0x1000 | 2);        // AM=2 aligned down to 0x0-0x3FFF
        assertEquals(PAGE_B, now());
    }

    @Test
    void domainSelectiveInvalidationDropsTheDomain() {
        setUp("intel-iommu");
        h.enableQueue(false);
        h.submit(0x22 | 5L << 16, 0);
        assertEquals(PAGE_B, now());
    }

    @Test
    void globalInvalidationThroughTheRegisterDropsEverything() {
        setUp("intel-iommu");
        h.w64(VtdRegs.IOTLB, 1L << 63 | 1L << 60);
        assertEquals(0x1200_0000_0000_0000L, h.r64(VtdRegs.IOTLB));
        assertEquals(PAGE_B, now());
    }

    @Test
    void registerPageInvalidationUsesIvaAndReportsPageGranularity() {
        setUp("intel-iommu");
        h.w64(VtdRegs.IVA, 0x1000);
        h.w64(VtdRegs.IOTLB, 1L << 63 | 3L << 60 | 5L << 32);
        assertEquals(3, (h.r64(VtdRegs.IOTLB) >>> 57) & 3);
        assertEquals(PAGE_A, now());
        h.w64(VtdRegs.IVA, 0);
        h.w32(VtdRegs.IOTLB + 4, (1L << 63 | 3L << 60 | 5L << 32) >>> 32);
        assertEquals(PAGE_B, now());
    }

    @Test
    void registerInvalidationLowHalfWriteOnlyStores() {
        setUp("intel-iommu");
        h.w32(VtdRegs.CCMD, 0);
        assertEquals(0, h.r64(VtdRegs.CCMD));
        h.w64(VtdRegs.CCMD, 1L << 63 | 1L << 61);
        assertEquals(0x2800_0000_0000_0000L, h.r64(VtdRegs.CCMD));
    }

    @Test
    void registerInvalidationIsIgnoredWhileQueuedInvalidationIsOn() {
        setUp("intel-iommu");
        h.enableQueue(false);
        h.w64(VtdRegs.CCMD, 1L << 63 | 1L << 61);
        assertEquals(0xA000_0000_0000_0000L, h.r64(VtdRegs.CCMD));
        h.w64(VtdRegs.IOTLB, 1L << 63 | 1L << 60);
        assertEquals(PAGE_A, now());
    }

    @Test
    void contextCacheInvalidationDoesNotFlushTheIotlb() {
        setUp("intel-iommu");
        h.enableQueue(false);
        h.submit(0x11, 0);                            // global context-cache invalidation
        assertEquals(PAGE_A, now());
    }

    @Test
    void changedContextEntryStaysCachedUntilContextInvalidation() {
        setUp("intel-iommu");
        long other = h.alloc(1);
        h.map4k(other, 3, 0x5000, PAGE_B, RW);
        h.read(SID, 0x6000);                          // caches the context (the read itself faults)
        h.clearFaults(0);
        h.legacyContextRaw(SID, other | 1, 1 | 9L << 8);
        assertEquals(0x06, faultFor(0x5000));        // old context: 0x5000 unmapped
        h.enableQueue(false);
        h.submit(0x31 | 0x0008L << 32, 0);            // device-selective context invalidation
        assertEquals(PAGE_B, h.read(SID, 0x5000).address());
    }

    private int faultFor(long iova) {
        h.read(SID, iova);
        int fr = h.faultReason(0);
        h.clearFaults(0);
        return fr;
    }

    @Test
    void missesAreNotCachedSoNewMappingsNeedNoInvalidation() {
        setUp("intel-iommu");
        h.read(SID, 0x7000);
        h.map4k(pt, 3, 0x7000, PAGE_B, RW);
        assertEquals(Translation.ok(PAGE_B, 0x1000), h.read(SID, 0x7000));
    }

    @Test
    void cachedReadOnlyEntryFaultsALaterWriteWithoutWalking() {
        h = VtdHarness.create();
        h.legacyRootAndEnable();
        pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0, PAGE_A, VtdHarness.R);
        h.read(SID, 0);
        h.poke(h.leafSlot(pt, 3, 0), PAGE_A | RW);
        h.write(SID, 0);
        assertEquals(FaultReason.WRITE_DENIED.code(), h.faultReason(0));
    }

    @Test
    void strictModeCountsAndTracesEveryStaleUse() {
        setUp("intel-iommu,strict=on");
        h.machine.trace().enable(java.util.Set.of(dev.vplat.platform.trace.TraceCategory.IOMMU));
        assertEquals(PAGE_A, now());
        assertEquals(PAGE_A, now());
        assertEquals(2, h.unit.staleTranslations());
        assertTrue(h.machine.trace().tail().stream().anyMatch(l -> l.contains("stale translation") && l.contains("cached=0x100000")
                && l.contains("memory=0x200000")));
        h.w64(VtdRegs.IOTLB, 1L << 63 | 1L << 60);
        assertEquals(PAGE_B, now());
        assertEquals(2, h.unit.staleTranslations());
    }

    @Test
    void strictModeIsQuietWhenTheGuestInvalidatesProperly() {
        h = VtdHarness.create("intel-iommu,strict=on");
        h.legacyRootAndEnable();
        pt = h.legacyContext(SID, 1, 5);
        h.map4k(pt, 3, 0, PAGE_A, RW);
        for (int i = 0; i < 3; i++) {
            h.read(SID, 0x10);
        }
        assertEquals(0, h.unit.staleTranslations());
    }

    @Test
    void srtpAndTeToggleFlushEverythingAsQemuDoes() {
        setUp("intel-iommu");
        h.command(VtdRegs.SRTP, true);
        assertEquals(PAGE_B, now());
        h.poke(h.leafSlot(pt, 3, 0), PAGE_A | RW);
        h.command(VtdRegs.TE, false);
        h.command(VtdRegs.TE, true);
        assertEquals(PAGE_A, now());
    }

    @Test
    void resetEmptiesTheCaches() {
        setUp("intel-iommu");
        h.machine.reset();
        h.w64(VtdRegs.RTADDR, h.root);
        h.command(VtdRegs.SRTP, true);
        h.command(VtdRegs.TE, true);
        assertEquals(PAGE_B, now());
        assertEquals(1, h.unit.iotlbEntries());
    }
}
