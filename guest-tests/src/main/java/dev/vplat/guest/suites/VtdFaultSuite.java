package dev.vplat.guest.suites;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.EduDriver;
import dev.vplat.guest.drivers.VtdDomain;
import dev.vplat.guest.drivers.VtdFault;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.vplat.guest.drivers.VtdRegs.*;
import static dev.vplat.guest.suites.GuestRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 2 (part 1): faults, fault events and invalidation at every granularity on the
 * guest-owned unit. The IOTLB and context cache really cache: a driver that edits a table
 * without invalidating keeps getting the old translation until it issues the right
 * invalidation, and each granularity drops exactly what the spec says (VT-d §6.5).
 */
@GuestSuite
@DisplayName("2 VT-d faults and invalidation")
public class VtdFaultSuite {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long IOVA = 0x40_0000L;

    /** The DMA test device, translated by {@code domain} (one read-write page at each of {@code pages} IOVAs), TE on. */
    private static DmaTestDriver translated(GuestRig rig, VtdDomain domain, int pages) {
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        rig.vtd.attach(domain, DMATEST);
        for (int i = 0; i < pages; i++) {
            rig.vtd.map(domain, IOVA + 4096L * i, rig.buffer(4096), 4096, true, true);
        }
        rig.vtd.enableTranslation();
        return dev;
    }

    private static Result touch(DmaTestDriver dev, int page) {
        return dev.writeValue(IOVA + 4096L * page, 0x1122334455667788L, 8).result();
    }

    @Test
    void readOfAnUnmappedIovaIsRecordedWithReason6AndSignalled(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        DmaTestDriver dev = translated(rig, rig.vtd.createDomain(), 1);
        rig.guest.irqWatch(true);

        DmaTestDriver.Outcome out = dev.checksum(IOVA + 0x10_0000L, 64);

        assertEquals(Result.PERMISSION_FAULT, out.result(), "a leaf with R=W=0 denies the read");
        assertEquals(IOVA + 0x10_0000L, out.faultAddress());
        Event.Msi event = rig.guest.awaitMsi(FAULT_VECTOR, WAIT);
        assertEquals(MSI_ADDRESS, event.address());
        assertEquals(FSTS_PPF, rig.vtd.fsts() & FSTS_PPF);
        List<VtdFault> faults = rig.vtd.readFaults();
        assertEquals(List.of(new VtdFault(DMATEST.rid(), 0x6, IOVA + 0x10_0000L, false)), faults);
        assertEquals(0, rig.vtd.fsts() & (FSTS_PPF | FSTS_PFO), "the handler cleared the record and FSTS");
    }

    @Test
    void writeThroughAReadOnlyMappingIsRecordedWithReason5(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attach(domain, DMATEST);
        rig.vtd.map(domain, IOVA, rig.buffer(4096), 4096, true, false);
        rig.vtd.enableTranslation();

        assertEquals(Result.PERMISSION_FAULT, touch(dev, 0));
        assertEquals(List.of(new VtdFault(DMATEST.rid(), 0x5, IOVA, true)), rig.vtd.readFaults());
    }

    @Test
    void aDeviceWithoutAContextEntryIsBlockedWithReason2(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        rig.vtd.attach(rig.vtd.createDomain(), EDU);
        rig.vtd.enableTranslation();

        assertEquals(Result.TRANSLATION_FAULT, touch(dev, 0));
        assertEquals(0x2, rig.vtd.readFaults().get(0).reason(), "bus 0's root entry is present (edu), 00:07.0's context is not");
    }

    @Test
    void aBusWithoutARootEntryIsBlockedWithReason1(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        rig.vtd.enableTranslation();

        assertEquals(Result.TRANSLATION_FAULT, touch(dev, 0));
        assertEquals(0x1, rig.vtd.readFaults().get(0).reason());
    }

    @Test
    void aMaskedFaultEventStaysPendingUntilUnmasked(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        DmaTestDriver dev = translated(rig, rig.vtd.createDomain(), 1);
        rig.guest.writel(rig.unit.base() + FECTL, FECTL_IM);
        rig.guest.irqWatch(true);

        touch(dev, 7);
        assertEquals(FECTL_IM | FECTL_IP, rig.guest.readl(rig.unit.base() + FECTL), "IP set, no message while masked");
        rig.guest.writel(rig.unit.base() + FECTL, 0);

        rig.guest.awaitMsi(FAULT_VECTOR, WAIT);
        assertEquals(0, rig.guest.readl(rig.unit.base() + FECTL) & FECTL_IP);
        assertEquals(1, rig.vtd.readFaults().size());
    }

    @Test
    void anUnmapWithoutInvalidationLeavesTheStaleTranslationInUseUntilAPageSelectiveFlush(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain, 1);
        assertEquals(Result.DONE, touch(dev, 0), "the translation is now in the IOTLB");

        domain.table().unmap(IOVA, 4096);
        assertEquals(Result.DONE, touch(dev, 0), "stale IOTLB entry still used: the driver forgot to invalidate");

        rig.vtd.invalidateIotlbPages(domain.did(), IOVA, 0);
        assertEquals(Result.PERMISSION_FAULT, touch(dev, 0));
    }

    @Test
    void aPageSelectiveFlushDropsOnlyItsPage(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain, 2);
        assertEquals(Result.DONE, touch(dev, 0));
        assertEquals(Result.DONE, touch(dev, 1));
        domain.table().unmap(IOVA, 8192);

        rig.vtd.invalidateIotlbPages(domain.did(), IOVA, 0);

        assertEquals(Result.PERMISSION_FAULT, touch(dev, 0));
        assertEquals(Result.DONE, touch(dev, 1), "page 1 is still cached");
    }

    @Test
    void theAddressMaskWidensAPageSelectiveFlushToItsAlignedBlock(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain, 5);
        for (int p = 0; p < 5; p++) {
            assertEquals(Result.DONE, touch(dev, p));
        }
        domain.table().unmap(IOVA, 5 * 4096);

        rig.vtd.invalidateIotlbPages(domain.did(), IOVA, 2);

        for (int p = 0; p < 4; p++) {
            assertEquals(Result.PERMISSION_FAULT, touch(dev, p), "AM=2 covers pages 0-3, page " + p);
        }
        assertEquals(Result.DONE, touch(dev, 4), "page 4 is outside the 4-page block");
    }

    @Test
    void aDomainSelectiveFlushDropsOnlyThatDomain(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        EduDriver edu = rig.edu();
        VtdDomain devDomain = rig.vtd.createDomain(), eduDomain = rig.vtd.createDomain();
        long eduPage = rig.buffer(4096);
        rig.vtd.attach(devDomain, DMATEST);
        rig.vtd.attach(eduDomain, EDU);
        rig.vtd.map(devDomain, IOVA, rig.buffer(4096), 4096, true, true);
        rig.vtd.map(eduDomain, IOVA, eduPage, 4096, true, true);
        rig.vtd.enableTranslation();
        assertEquals(Result.DONE, touch(dev, 0));
        edu.dma(IOVA, 0, 64, false, false);
        devDomain.table().unmap(IOVA, 4096);
        eduDomain.table().unmap(IOVA, 4096);

        rig.vtd.invalidateIotlbDomain(eduDomain.did());

        assertEquals(Result.DONE, touch(dev, 0), "the DMA test device's domain keeps its cached entry");
        edu.dma(IOVA, 0, 64, false, false);
        List<VtdFault> faults = rig.vtd.readFaults();
        assertEquals(List.of(new VtdFault(EDU.rid(), 0x6, IOVA, false)), faults, "edu's domain was flushed");
    }

    @Test
    void aGlobalFlushDropsEveryDomain(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain, 2);
        touch(dev, 0);
        touch(dev, 1);
        domain.table().unmap(IOVA, 8192);

        rig.vtd.invalidateIotlbGlobal();

        assertEquals(Result.PERMISSION_FAULT, touch(dev, 0));
        assertEquals(Result.PERMISSION_FAULT, touch(dev, 1));
    }

    @Test
    void aRetargetedContextEntryNeedsAContextCacheInvalidation(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain first = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, first, 1);
        VtdDomain second = rig.vtd.createDomain();
        assertEquals(Result.DONE, touch(dev, 0));

        rig.vtd.attachWithoutInvalidation(second, DMATEST);
        rig.vtd.invalidateIotlbDomain(first.did());
        assertEquals(Result.DONE, touch(dev, 0), "the cached context entry still names the first domain's table");

        rig.vtd.invalidateContextDevice(first.did(), DMATEST.rid());
        assertEquals(Result.PERMISSION_FAULT, touch(dev, 0), "now the empty second domain is used");
    }

    @Test
    void registerBasedInvalidationWorksWithTheQueueOff(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain, 1);
        touch(dev, 0);
        rig.vtd.disableQueuedInvalidation();
        domain.table().unmap(IOVA, 4096);

        rig.vtd.invalidateIotlbPages(domain.did(), IOVA, 0);

        assertFalse(rig.vtd.queuedInvalidation());
        assertEquals(Result.PERMISSION_FAULT, touch(dev, 0));
    }

    @Test
    void theDriversOwnUnmapInvalidatesSoNothingStaleRemains(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain, 3);
        for (int p = 0; p < 3; p++) {
            touch(dev, p);
        }

        rig.vtd.unmap(domain, IOVA, 3 * 4096);

        for (int p = 0; p < 3; p++) {
            assertEquals(Result.PERMISSION_FAULT, touch(dev, p));
        }
    }
}
