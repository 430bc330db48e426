package dev.vplat.guest.suites;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Outcome;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.EduDriver;
import dev.vplat.guest.drivers.VtdDomain;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.zip.CRC32;

import static dev.vplat.guest.drivers.VtdRegs.*;
import static dev.vplat.guest.suites.GuestRig.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 1: a guest VT-d driver brings the guest-owned unit up and devices DMA through the tables
 * it built — edu and the DMA test device, in the Linux order (tables and invalidation before
 * TE) and in the kvm-unit-tests order (TE first, tables written afterwards without any
 * invalidation, which works because the hardware never caches a miss: VT-d §6.1, CAP.CM = 0).
 */
@GuestSuite
@DisplayName("1 VT-d bring-up and DMA")
public class VtdDmaSuite {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long IOVA_A = 0x10_0000L, IOVA_B = 0x20_0000L;

    @Test
    void linuxBringUpEnablesQueuedInvalidationAndRootTableBeforeTranslation(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        int gsts = rig.vtd.gsts();
        assertEquals(GCMD_QIE | GCMD_SRTP, gsts & (GCMD_QIE | GCMD_SRTP | GCMD_TE), "GSTS after bring-up: QIES and RTPS, TES still 0");
        assertEquals(rig.vtd.rootTable(), rig.guest.readq(rig.unit.base() + RTADDR) & ~0xFFFL);
        rig.vtd.enableTranslation();
        assertEquals(GCMD_TE, rig.vtd.gsts() & GCMD_TE);
    }

    @Test
    void bringUpRecoversAUnitLeftEnabled(SuiteTarget target) {
        GuestRig first = new GuestRig(target);
        first.bringUp();
        first.vtd.enableTranslation();
        GuestRig second = new GuestRig(target);
        second.vtd.bringUp(MSI_ADDRESS, FAULT_VECTOR);
        assertEquals(0, second.vtd.gsts() & GCMD_TE, "Linux turns translation off before reprogramming the root table");
        assertEquals(GCMD_QIE, second.vtd.gsts() & GCMD_QIE);
    }

    @Test
    void eduIdentifiesItselfAndComputesFactorials(SuiteTarget target) {
        EduDriver edu = new GuestRig(target).edu();
        assertEquals(0x010000ED, edu.id());
        assertEquals(~0x12345678, edu.liveness(0x12345678));
        assertEquals(3628800, edu.factorial(10));
    }

    @Test
    void eduDmaGoesThroughTheSecondLevelTableOfItsDomain(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        EduDriver edu = rig.edu();
        long source = rig.buffer(4096), sink = rig.buffer(4096);
        byte[] data = pattern(256, 1);
        rig.guest.memWrite(source, data);
        rig.guest.memFill(IOVA_B, 256, 0x5A);
        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attach(domain, EDU);
        rig.vtd.map(domain, IOVA_A, source, 4096, true, false);
        rig.vtd.map(domain, IOVA_B, sink, 4096, false, true);
        rig.vtd.enableTranslation();

        edu.dma(IOVA_A, 0, 256, false, false);
        edu.dma(IOVA_B, 0, 256, true, false);

        assertArrayEquals(data, rig.guest.memRead(sink, 256), "the DMA landed in the page IOVA_B maps");
        assertArrayEquals(filled(256, 0x5A), rig.guest.memRead(IOVA_B, 256), "nothing was written untranslated");
        assertTrue(rig.vtd.readFaults().isEmpty());
    }

    @Test
    void eduDmaCompletionInterruptArrivesAfterTheVirtualDelay(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        EduDriver edu = rig.edu();
        long page = rig.buffer(4096);
        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attach(domain, EDU);
        rig.vtd.map(domain, IOVA_A, page, 4096, true, true);
        rig.vtd.enableTranslation();
        edu.enableMsi(MSI_ADDRESS, DEVICE_VECTOR);
        rig.guest.irqWatch(true);

        edu.start(IOVA_A, 0, 64, false, true);
        assertTrue(edu.dmaBusy(), "nothing happens before virtual time passes");
        rig.guest.clockStep(EduDriver.DMA_DELAY_NS);
        Event.Msi msi = rig.guest.awaitMsi(DEVICE_VECTOR, WAIT);

        assertEquals(MSI_ADDRESS, msi.address());
        assertFalse(edu.dmaBusy());
        assertEquals(EduDriver.IRQ_DMA, edu.interruptStatus() & EduDriver.IRQ_DMA);
        edu.acknowledge(EduDriver.IRQ_DMA);
    }

    @Test
    void dmatestCopiesBetweenTwoMappedBuffers(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        long source = rig.buffer(8192), sink = rig.buffer(8192);
        byte[] data = pattern(8192, 2);
        rig.guest.memWrite(source, data);
        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attach(domain, DMATEST);
        rig.vtd.map(domain, IOVA_A, source, 8192, true, false);
        rig.vtd.map(domain, IOVA_B, sink, 8192, true, true);
        rig.vtd.enableTranslation();

        Outcome out = dev.copy(IOVA_A, IOVA_B, 8192);

        assertEquals(new Outcome(Result.DONE, 8192, 0), out);
        assertArrayEquals(data, rig.guest.memRead(sink, 8192));
    }

    @Test
    void dmatestChecksumReadsThroughTheDomain(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        long source = rig.buffer(4096);
        byte[] data = pattern(4096, 3);
        rig.guest.memWrite(source, data);
        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attach(domain, DMATEST);
        rig.vtd.map(domain, IOVA_A, source, 4096, true, false);
        rig.vtd.enableTranslation();

        assertEquals(Result.DONE, dev.checksum(IOVA_A, 4096).result());
        CRC32 crc = new CRC32();
        crc.update(data);
        assertEquals(crc.getValue(), dev.lastChecksum());
    }

    @Test
    void dmatestCompletionIsSignalledOnMsixVectorZero(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        long sink = rig.buffer(4096);
        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attach(domain, DMATEST);
        rig.vtd.map(domain, IOVA_A, sink, 4096, true, true);
        rig.vtd.enableTranslation();
        dev.enableMsix(MSI_ADDRESS, DEVICE_VECTOR + 1);
        rig.guest.irqWatch(true);

        assertEquals(Result.DONE, dev.fill(IOVA_A, 4096, 0xA5A5A5A5).result());

        Event.Msi msi = rig.guest.awaitMsi(DEVICE_VECTOR + 1, WAIT);
        assertEquals(DMATEST.rid(), msi.requesterId());
        assertArrayEquals(filled(4096, 0xA5), rig.guest.memRead(sink, 4096));
    }

    @Test
    void kvmUnitTestsFlowWritesTablesAfterTranslationIsOnWithoutInvalidating(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        DmaTestDriver dev = rig.dmatest();
        long source = rig.buffer(4096), sink = rig.buffer(4096);
        byte[] data = pattern(512, 4);
        rig.guest.memWrite(source, data);
        rig.vtd.quiesce();
        rig.vtd.enableQueuedInvalidation();
        rig.vtd.setRootTable();
        rig.vtd.enableTranslation();
        assertEquals(Result.TRANSLATION_FAULT, dev.copy(IOVA_A, IOVA_B, 512).result(),
                "no root entry yet: the request is blocked (fault reason 0x1)");

        VtdDomain domain = rig.vtd.createDomain();
        rig.vtd.attachWithoutInvalidation(domain, DMATEST);
        domain.table().map(IOVA_A, source, 4096, true, false);
        domain.table().map(IOVA_B, sink, 4096, true, true);

        assertEquals(new Outcome(Result.DONE, 512, 0), dev.copy(IOVA_A, IOVA_B, 512),
                "the failed lookup was not cached, so the new entries are found without invalidation");
        assertArrayEquals(data, rig.guest.memRead(sink, 512));
        assertEquals(0x1, rig.vtd.readFaults().get(0).reason());
    }

    @Test
    void withTranslationOffDmaAddressesAreGuestPhysical(SuiteTarget target) {
        GuestRig rig = new GuestRig(target);
        rig.bringUp();
        DmaTestDriver dev = rig.dmatest();
        long source = rig.buffer(4096), sink = rig.buffer(4096);
        byte[] data = pattern(128, 5);
        rig.guest.memWrite(source, data);

        assertEquals(Result.DONE, dev.copy(source, sink, 128).result());
        assertArrayEquals(data, rig.guest.memRead(sink, 128));
    }

    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }
}
