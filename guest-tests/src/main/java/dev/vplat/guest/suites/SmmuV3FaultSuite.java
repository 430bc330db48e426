package dev.vplat.guest.suites;

import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Outcome;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.SmmuCommand;
import dev.vplat.guest.drivers.SmmuEventRecord;
import dev.vplat.guest.drivers.SmmuV3Domain;
import dev.vplat.guest.drivers.SmmuV3Driver;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.vplat.guest.drivers.SmmuEventRecord.*;
import static dev.vplat.guest.suites.SmmuRig.DMATEST;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 8 (part 2): faults become event records with the fields of IHI 0070 §7.3, and the
 * unit's configuration cache and TLB really cache: after a table, STE or CD edit without the
 * matching CMD_TLBI_* / CMD_CFGI_* (+ CMD_SYNC) the old answer is still used, and after it the
 * new one is (§3.21, §4.3, §4.4).
 */
@GuestSuite(machine = "virt", iommus = "arm-smmuv3,owner=guest")
@DisplayName("8 SMMUv3 events and invalidation")
public class SmmuV3FaultSuite {
    private static final long IOVA = 0x40_0000L;

    /** dmatest0 in a fresh domain with {@code pages} read-write pages mapped from {@link #IOVA}. */
    private static DmaTestDriver translated(SmmuRig rig, SmmuV3Domain domain, int pages) {
        DmaTestDriver dev = rig.dmatest();
        for (int i = 0; i < pages; i++) {
            rig.smmu.map(domain, IOVA + 4096L * i, rig.buffer(4096), 4096, true);
        }
        rig.smmu.attach(domain, DMATEST);
        return dev;
    }

    private static Result touch(DmaTestDriver dev, long iova) {
        return dev.writeValue(iova, 0x1122334455667788L, 8).result();
    }

    @Test
    void aReadOfAnUnmappedIovaIsAnFTranslationRecordWithTheInputAddress(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = translated(rig, rig.smmu.createDomain(), 1);

        Outcome out = dev.checksum(IOVA + 0x10_0040L, 64);

        assertEquals(Result.TRANSLATION_FAULT, out.result());
        assertEquals(IOVA + 0x10_0040L, out.faultAddress());
        SmmuEventRecord e = single(rig.smmu.readEvents());
        assertEquals(F_TRANSLATION, e.type());
        assertEquals(DMATEST.rid(), e.streamId());
        assertFalse(e.ssv(), "no SubstreamID");
        assertTrue(e.read(), "RnW = 1");
        assertFalse(e.privileged(), "PnU = 0: PCIe DMA is unprivileged");
        assertFalse(e.instruction());
        assertFalse(e.stage2());
        assertEquals(CLASS_IN, e.eventClass(), "the input address did not translate");
        assertEquals(IOVA + 0x10_0040L, e.inputAddress());
    }

    @Test
    void aWriteToAReadOnlyPageIsAnFPermissionRecord(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        SmmuV3Domain domain = rig.smmu.createDomain();
        long page = rig.buffer(4096);
        rig.smmu.map(domain, IOVA, page, 4096, false);
        rig.smmu.attach(domain, DMATEST);

        assertEquals(Result.PERMISSION_FAULT, touch(dev, IOVA + 8));
        assertEquals(Result.DONE, dev.checksum(IOVA, 64).result(), "reads are allowed");

        SmmuEventRecord e = single(rig.smmu.readEvents());
        assertEquals(F_PERMISSION, e.type());
        assertEquals(DMATEST.rid(), e.streamId());
        assertFalse(e.read(), "RnW = 0");
        assertEquals(CLASS_IN, e.eventClass());
        assertEquals(IOVA + 8, e.inputAddress());
        assertEquals(0, rig.guest.readq(page + 8), "the write was aborted");
    }

    @Test
    void anInvalidSteIsACBadSteRecord(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        rig.smmu.writeSte(DMATEST.rid(), new long[8]);

        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA));

        SmmuEventRecord e = single(rig.smmu.readEvents());
        assertEquals(C_BAD_STE, e.type());
        assertEquals(DMATEST.rid(), e.streamId());
        assertEquals(0, e.dw1() | e.dw2() | e.dw3(), "C_BAD_STE carries only type and StreamID");
    }

    @Test
    void aStreamIdBeyondTheStreamTableIsACBadStreamIdRecord(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp(new SmmuV3Driver.Geometry(4, 8, 7));
        DmaTestDriver dev = rig.dmatest();

        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA));

        SmmuEventRecord e = single(rig.smmu.readEvents());
        assertEquals(C_BAD_STREAMID, e.type(), "StreamID 0x18 ≥ 2^LOG2SIZE (16), recorded because CR2.RECINVSID");
        assertEquals(DMATEST.rid(), e.streamId());
    }

    @Test
    void aContextDescriptorWithoutVIsACBadCdRecord(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = translated(rig, rig.smmu.createDomain(), 1);
        long[] cd = rig.smmu.contextDescriptor(9, rig.buffer(4096));
        cd[0] &= ~(1L << 31);
        rig.smmu.writeCd(DMATEST, cd);

        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA));

        SmmuEventRecord e = single(rig.smmu.readEvents());
        assertEquals(C_BAD_CD, e.type());
        assertEquals(DMATEST.rid(), e.streamId());
    }

    @Test
    void aContextDescriptorOutsideRamIsAnFCdFetchRecordWithTheFetchAddress(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = rig.dmatest();
        long nowhere = 0x3000_0000L;
        rig.smmu.writeSte(DMATEST.rid(), SmmuV3Driver.stage1Ste(nowhere));

        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA));

        SmmuEventRecord e = single(rig.smmu.readEvents());
        assertEquals(F_CD_FETCH, e.type());
        assertEquals(nowhere, e.fetchAddress(), "FetchAddr is the CD's address");
    }

    @Test
    void anUnmapWithoutTlbiKeepsTheCachedTranslationUntilTlbiNhVaAndSync(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuV3Domain domain = rig.smmu.createDomain();
        DmaTestDriver dev = translated(rig, domain, 2);
        assertEquals(Result.DONE, touch(dev, IOVA), "fills the TLB");
        assertEquals(Result.DONE, touch(dev, IOVA + 4096));

        domain.table().unmap(IOVA, 8192);
        assertEquals(Result.DONE, touch(dev, IOVA), "stale: the TLB still holds the page");

        rig.smmu.issue(SmmuCommand.tlbiNhVa(domain.asid(), IOVA));
        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA), "TLBI_NH_VA dropped the page");
        assertEquals(Result.DONE, touch(dev, IOVA + 4096), "only that page: its neighbour is still cached");
        assertEquals(List.of(F_TRANSLATION), types(rig.smmu.readEvents()));

        rig.smmu.issue(SmmuCommand.tlbiNhAsid(domain.asid()));
        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA + 4096), "TLBI_NH_ASID dropped the whole ASID");
    }

    @Test
    void theDriversOwnUnmapLeavesNothingStale(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuV3Domain domain = rig.smmu.createDomain();
        DmaTestDriver dev = translated(rig, domain, 4);
        for (int i = 0; i < 4; i++) {
            assertEquals(Result.DONE, touch(dev, IOVA + 4096L * i));
        }

        rig.smmu.unmap(domain, IOVA, 4 * 4096);

        for (int i = 0; i < 4; i++) {
            assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA + 4096L * i));
        }
        assertEquals(4, rig.smmu.readEvents().size());
    }

    @Test
    void aRewrittenSteIsUsedOnlyAfterCfgiSte(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        DmaTestDriver dev = translated(rig, rig.smmu.createDomain(), 1);
        assertEquals(Result.DONE, touch(dev, IOVA), "caches the STE");

        rig.smmu.writeSteWithoutInvalidation(DMATEST.rid(), SmmuV3Driver.abortSte());
        assertEquals(Result.DONE, touch(dev, IOVA), "stale: the cached stage 1 STE still translates");

        rig.smmu.issue(SmmuCommand.cfgiSte(DMATEST.rid()));
        assertEquals(Result.TRANSLATION_FAULT, touch(dev, IOVA), "CFGI_STE + SYNC: now the abort STE applies");
        assertTrue(rig.smmu.readEvents().isEmpty(), "the abort STE terminates silently");
    }

    @Test
    void aRewrittenContextDescriptorIsUsedOnlyAfterCfgiCd(SuiteTarget target) {
        SmmuRig rig = new SmmuRig(target).bringUp();
        SmmuV3Domain first = rig.smmu.createDomain(), second = rig.smmu.createDomain();
        long firstPage = rig.buffer(4096), secondPage = rig.buffer(4096);
        DmaTestDriver dev = rig.dmatest();
        rig.smmu.map(first, IOVA, firstPage, 4096, true);
        rig.smmu.map(second, IOVA, secondPage, 4096, true);
        rig.smmu.attach(first, DMATEST);
        assertEquals(Result.DONE, dev.writeValue(IOVA, 0x11, 1).result());

        rig.smmu.writeCdWithoutInvalidation(DMATEST, rig.smmu.contextDescriptor(second.asid(), second.table().root()));
        assertEquals(Result.DONE, dev.writeValue(IOVA, 0x22, 1).result());
        assertEquals(0x22, rig.guest.readb(firstPage), "stale: the cached CD (first ASID and table) was used");

        rig.smmu.issue(SmmuCommand.cfgiCd(DMATEST.rid(), 0));
        assertEquals(Result.DONE, dev.writeValue(IOVA, 0x33, 1).result());
        assertEquals(0x33, rig.guest.readb(secondPage), "CFGI_CD + SYNC: the second domain's table now translates");
        assertEquals(0x22, rig.guest.readb(firstPage));
    }

    private static SmmuEventRecord single(List<SmmuEventRecord> events) {
        assertEquals(1, events.size(), () -> "one event expected: " + events);
        return events.get(0);
    }

    static List<Integer> types(List<SmmuEventRecord> events) {
        return events.stream().map(SmmuEventRecord::type).toList();
    }
}
