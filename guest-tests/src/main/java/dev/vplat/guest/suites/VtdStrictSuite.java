package dev.vplat.guest.suites;

import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.VtdDomain;
import dev.vplat.guest.pci.Bdf;
import dev.vplat.iommu.vtd.VtdUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 2 (part 2): the {@code strict} missing-invalidation detector (docs/devices/vtd.md) on a
 * unit of its own — {@code --iommu intel-iommu,owner=guest,strict=on} covering a DMA test device
 * added at 00:08.0. A driver that changes a live mapping without invalidating is caught: the
 * device still gets the cached result (that is what hardware does) and the unit counts and
 * traces the stale use.
 */
@GuestSuite(devices = "dmatest,addr=08.0",
        iommus = "intel-iommu,owner=guest,strict=on,base=0xfed92000,scope=00:08.0", trace = "iommu")
@DisplayName("2 VT-d strict detector")
public class VtdStrictSuite {
    static final Bdf STRICT_DEVICE = Bdf.parse("00:08.0");
    private static final String UNIT = "the strict unit's counters";
    private static final long IOVA = 0x80_0000L;

    private static long staleTranslations(SuiteTarget target, String unitId) {
        return target.onMachine(UNIT, () -> ((VtdUnit) target.requireEmbedded(UNIT).platform().machine()
                .component(unitId)).staleTranslations());
    }

    private static DmaTestDriver translated(GuestRig rig, VtdDomain domain) {
        rig.bringUp();
        DmaTestDriver dev = new DmaTestDriver(rig.device(STRICT_DEVICE));
        dev.probe();
        rig.vtd.attach(domain, STRICT_DEVICE);
        rig.vtd.map(domain, IOVA, rig.buffer(4096), 4096, true, true);
        rig.vtd.enableTranslation();
        return dev;
    }

    @Test
    void aForgottenInvalidationAfterUnmapIsCountedAndTraced(SuiteTarget target) {
        GuestRig rig = new GuestRig(target, STRICT_DEVICE);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain);
        assertEquals(Result.DONE, dev.writeValue(IOVA, 1, 4).result());
        long before = staleTranslations(target, rig.unit.id());

        domain.table().unmap(IOVA, 4096);
        assertEquals(Result.DONE, dev.writeValue(IOVA, 2, 4).result(), "hardware-visible result: the cached entry");

        assertEquals(before + 1, staleTranslations(target, rig.unit.id()));
        List<String> trace = target.requireEmbedded(UNIT).traceTail();
        assertTrue(trace.stream().anyMatch(l -> l.contains("stale") && l.contains(Long.toHexString(IOVA))),
                "a trace line names the stale IOVA: " + trace);
    }

    @Test
    void aDriverThatInvalidatesIsNeverFlagged(SuiteTarget target) {
        GuestRig rig = new GuestRig(target, STRICT_DEVICE);
        VtdDomain domain = rig.vtd.createDomain();
        DmaTestDriver dev = translated(rig, domain);
        dev.writeValue(IOVA, 1, 4);
        long before = staleTranslations(target, rig.unit.id());

        rig.vtd.unmap(domain, IOVA, 4096);
        rig.vtd.map(domain, IOVA, rig.buffer(4096), 4096, true, true);
        assertEquals(Result.DONE, dev.writeValue(IOVA, 2, 4).result());

        assertEquals(before, staleTranslations(target, rig.unit.id()));
    }
}
