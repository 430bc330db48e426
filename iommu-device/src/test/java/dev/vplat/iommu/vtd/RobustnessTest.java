package dev.vplat.iommu.vtd;

import dev.vplat.pci.dma.DmaStatus;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.vplat.iommu.vtd.VtdHarness.RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile tables and register traffic end in faults or ignored accesses, never a hang or an exception. */
class RobustnessTest {
    private static final int SID = 0x0008;

    @Test
    void pageTablePointingAtItselfTerminates() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        long pt = h.legacyContext(SID, 2, 5);
        for (int i = 0; i < 512; i++) {
            h.poke(pt + i * 8L, pt | RW);
        }
        // Level 1 reads the same table as a leaf page: a mapping of the table onto itself, not a loop.
        assertEquals(pt, h.read(SID, 0).address());
        assertEquals(1, h.unit.pageWalks());
    }

    @Test
    void selfReferencingScalableAndFirstLevelTablesTerminate() {
        VtdHarness h = VtdHarness.create("intel-iommu,x-scalable-mode=on,x-flts=on");
        long root = h.alloc(1);
        h.poke(root, root | 1);                                 // root entry points at the root table
        h.w64(VtdRegs.RTADDR, root | 1L << 10);
        h.command(VtdRegs.SRTP, true);
        h.command(VtdRegs.TE, true);
        h.read(SID, 0);
        assertTrue((h.r32(VtdRegs.FSTS) & VtdRegs.FSTS_PPF) != 0);
    }

    @Test
    void pageTablesInMmioFaultInsteadOfReadingRegisters() {
        VtdHarness h = VtdHarness.create();
        h.legacyRootAndEnable();
        h.legacyContextRaw(SID, h.base | 1, 1 | 5L << 8);      // second-level root = the unit's registers
        assertEquals(DmaStatus.TRANSLATION_FAULT, h.read(SID, 0).status());
        assertEquals(0x03, h.faultReason(0));
    }

    @Test
    void rootTableInMmioFaults() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.RTADDR, h.base);
        h.command(VtdRegs.SRTP, true);
        h.command(VtdRegs.TE, true);
        h.read(SID, 0);
        assertEquals(0x08, h.faultReason(0));
    }

    @Test
    void randomRegisterTrafficNeverThrows() {
        Random rnd = new Random(42);
        for (String opts : new String[] {"intel-iommu", "intel-iommu,x-scalable-mode=on,x-pasid-mode=on,device-iotlb=off",
                "intel-iommu,eim=on,fault-records=3"}) {
            VtdHarness h = VtdHarness.create(opts);
            h.poke(0x1000, -1L);
            for (int i = 0; i < 20_000; i++) {
                int off = rnd.nextInt(0x1000);
                int size = 1 << rnd.nextInt(4);
                long v = rnd.nextInt(4) == 0 ? rnd.nextLong() & 0x3FFF_F000L : rnd.nextLong();
                if (rnd.nextBoolean()) {
                    h.mem.write(h.base + off, size, v);
                } else {
                    h.mem.read(h.base + off, size);
                }
                if (i % 64 == 0) {
                    h.unit.translate(rnd.nextInt(0x10000), rnd.nextInt(3) - 1, rnd.nextLong() & 0xFFFF_FFFF_FFFFL, rnd.nextBoolean());
                    h.unit.remap(new dev.vplat.platform.irq.MsiMessage(0xFEE0_0000L | rnd.nextInt(0x10_0000),
                            rnd.nextInt(), rnd.nextInt(0x10000)));
                }
            }
            assertEquals(0x10, h.r32(VtdRegs.VER));
        }
    }
}
