package dev.vplat.iommu.vtd;

import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The register traffic of Linux's intel-iommu init (fact sheet §A.15), step by step. */
class LinuxBringUpTest {
    @Test
    void linuxInitSequenceBringsTheUnitUpAndTranslates() {
        VtdHarness h = VtdHarness.create();
        // 1-2: validate, read VER and GSTS for the gcmd shadow
        assertNotEquals(-1L, h.r64(VtdRegs.CAP));
        assertEquals(0x10, h.r32(VtdRegs.VER));
        long gcmd = h.r32(VtdRegs.GSTS) & (VtdRegs.TE | VtdRegs.IRE | VtdRegs.QIE);
        assertEquals(0, gcmd);
        // 3: clear old faults
        h.w32(VtdRegs.FSTS, h.r32(VtdRegs.FSTS));
        // 4: enable QI (ECAP.SMTS=0: 128-bit descriptors, QS=0)
        long queue = h.alloc(1);
        h.w32(VtdRegs.IQT, 0);
        h.w64(VtdRegs.IQA, queue);
        gcmd |= VtdRegs.QIE;
        h.w32(VtdRegs.GCMD, gcmd);
        assertEquals(VtdRegs.QIE, h.r32(VtdRegs.GSTS) & VtdRegs.QIE);
        // 6-8: root table, SRTP, poll RTPS
        long root = h.alloc(1);
        h.w64(VtdRegs.RTADDR, root);
        h.w32(VtdRegs.GCMD, gcmd | VtdRegs.SRTP);
        assertEquals(VtdRegs.SRTP, h.r32(VtdRegs.GSTS) & VtdRegs.SRTP);
        // 9: global context-cache and IOTLB invalidations, each followed by a wait (QI_DONE = 2)
        long status = h.alloc(1);
        int tail = 0;
        long[][] descs = {{0x11, 0}, {VtdHarness.waitStatus(2), status}, {0x12 | 0x40 | 0x80, 0}, {VtdHarness.waitStatus(2), status}};
        for (long[] d : descs) {
            h.poke(status, 1);
            h.poke(queue + tail * 16L, d[0]);
            h.poke(queue + tail * 16L + 8, d[1]);
            tail++;
            if ((d[0] & 0xF) == 5) {
                h.w32(VtdRegs.IQT, (long) tail << 4);
                assertEquals(2, h.peek(status) & 0xFFFF_FFFFL);
                assertEquals(0, h.r32(VtdRegs.FSTS) & (VtdRegs.FSTS_IQE | VtdRegs.FSTS_ITE | VtdRegs.FSTS_ICE));
            }
        }
        // 10: fault MSI: data, address, upper address, then unmask
        h.w32(VtdRegs.FEDATA, 0x30);
        h.w32(VtdRegs.FEADDR, 0xFEE0_0000L);
        h.w32(VtdRegs.FEUADDR, 0);
        h.w32(VtdRegs.FECTL, 0);
        assertEquals(0, h.r32(VtdRegs.FECTL));
        // 12: a device attaches (context entry, DID 1, 4-level), then 13: TE
        h.root = root;
        long pt = h.legacyContext(0x0018, 2, 1);
        h.map4k(pt, 4, 0xFFFF_F000L, 0x0300_0000L, VtdHarness.RW);
        h.w32(VtdRegs.GCMD, gcmd | VtdRegs.TE);
        assertEquals((VtdRegs.TE | VtdRegs.SRTP | VtdRegs.QIE) & 0xFFFF_FFFFL, h.r32(VtdRegs.GSTS));
        assertEquals(Translation.ok(0x0300_0010L, 0xFF0), h.write(0x0018, 0xFFFF_F010L));
        // a fault now raises the programmed MSI at once
        h.read(0x0018, 0x1000);
        assertEquals(1, h.msis.size());
        assertEquals(0x30, h.msis.get(0).data());
    }

    @Test
    void interruptRemappingBringUpSetsIrtpsAndIres() {
        VtdHarness h = VtdHarness.create();
        long irt = h.alloc(256);
        h.w64(VtdRegs.IRTA, irt | 0xF);
        h.w32(VtdRegs.GCMD, VtdRegs.SIRTP);
        assertEquals(VtdRegs.SIRTP, h.r32(VtdRegs.GSTS));
        h.enableQueue(false);
        h.submit(0x04, 0);                                   // global IEC
        h.w32(VtdRegs.GCMD, h.r32(VtdRegs.GSTS) & ~VtdRegs.SIRTP | VtdRegs.IRE);
        assertEquals(VtdRegs.SIRTP | VtdRegs.IRE | VtdRegs.QIE, h.r32(VtdRegs.GSTS));
        h.w32(VtdRegs.GCMD, VtdRegs.IRE | VtdRegs.QIE | VtdRegs.SIRTP);   // older kernels repeat SIRTP
        assertEquals(VtdRegs.SIRTP | VtdRegs.IRE | VtdRegs.QIE, h.r32(VtdRegs.GSTS));
    }
}
