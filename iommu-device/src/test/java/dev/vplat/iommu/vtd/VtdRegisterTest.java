package dev.vplat.iommu.vtd;

import dev.vplat.platform.device.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class VtdRegisterTest {
    @Test
    void defaultsMatchQemu10UnderTcg() {
        VtdHarness h = VtdHarness.create();
        assertEquals(0x10, h.r32(VtdRegs.VER));
        assertEquals(0x00D2_008C_222F_0606L, h.r64(VtdRegs.CAP));
        assertEquals(0x00F0_0F4AL, h.r64(VtdRegs.ECAP));
    }

    @Test
    void propertiesChangeCapAndEcapLikeQemu() {
        assertEquals(0x00D2_008C_222F_0686L, VtdHarness.create("intel-iommu,caching-mode=on").r64(VtdRegs.CAP));
        assertEquals(0x0012_008C_222F_0606L, VtdHarness.create("intel-iommu,dma-drain=off").r64(VtdRegs.CAP));
        assertEquals(0x00D2_008C_222F_0006L, VtdHarness.create("intel-iommu,dma-translation=off").r64(VtdRegs.CAP));
        assertEquals(0x00D2_008C_2226_0206L, VtdHarness.create("intel-iommu,aw-bits=39").r64(VtdRegs.CAP));
        assertEquals(0x0F42L, VtdHarness.create("intel-iommu,intremap=off").r64(VtdRegs.ECAP));
        assertEquals(0x00F0_0F5AL, VtdHarness.create("intel-iommu,eim=on").r64(VtdRegs.ECAP));
        assertEquals(0x00F0_0F4EL, VtdHarness.create("intel-iommu,device-iotlb=on").r64(VtdRegs.ECAP));
        assertEquals(0x00F0_0F0AL, VtdHarness.create("intel-iommu,pt=off").r64(VtdRegs.ECAP));
        assertEquals(0x00F0_0FCAL, VtdHarness.create("intel-iommu,snoop-control=on").r64(VtdRegs.ECAP));
        assertEquals(0x0000_4800_80F0_0F4AL, VtdHarness.create("intel-iommu,x-scalable-mode=on").r64(VtdRegs.ECAP));
        VtdHarness flts = VtdHarness.create("intel-iommu,x-scalable-mode=on,x-flts=on");
        assertEquals(0x01D2_008C_222F_0606L, flts.r64(VtdRegs.CAP));
        assertEquals(0x0000_8800_00F0_0F4AL, flts.r64(VtdRegs.ECAP));
        assertEquals(0x0000_4900_80F0_0F4AL | 19L << 35,
                VtdHarness.create("intel-iommu,x-scalable-mode=on,x-pasid-mode=on").r64(VtdRegs.ECAP));
    }

    @Test
    void faultRecordsPropertySetsNfr() {
        VtdHarness h = VtdHarness.create("intel-iommu,fault-records=8");
        assertEquals(7, (h.r64(VtdRegs.CAP) >>> 40) & 0xFF);
        assertEquals(0, h.frcdHi(7));
    }

    @Test
    void invalidConfigurationsAreRejectedWithQemuMessages() {
        assertThrows(ConfigException.class, () -> VtdHarness.create("intel-iommu,aw-bits=40"));
        assertThrows(ConfigException.class, () -> VtdHarness.create("intel-iommu,x-flts=on"));
        assertThrows(ConfigException.class, () -> VtdHarness.create("intel-iommu,intremap=off,eim=on"));
        assertThrows(ConfigException.class, () -> VtdHarness.create("intel-iommu,x-pasid-mode=on"));
        assertThrows(ConfigException.class, () -> VtdHarness.create("intel-iommu,scope=nonsense"));
    }

    @Test
    void capAndEcapAreReadOnly() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.CAP, 0);
        h.w64(VtdRegs.ECAP, -1L);
        assertEquals(0x00D2_008C_222F_0606L, h.r64(VtdRegs.CAP));
        assertEquals(0x00F0_0F4AL, h.r64(VtdRegs.ECAP));
    }

    @Test
    void gcmdIsWriteOnlyAndGstsReadsInTheHighHalfOfAQwordRead() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.RTADDR, 0x1000);
        h.w32(VtdRegs.GCMD, VtdRegs.SRTP);
        assertEquals(0, h.r32(VtdRegs.GCMD));
        assertEquals(0x4000_0000L << 32, h.r64(VtdRegs.GCMD));
    }

    @Test
    void rtaddrKeepsBits63To10() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.RTADDR, -1L);
        assertEquals(0xFFFF_FFFF_FFFF_FC00L, h.r64(VtdRegs.RTADDR));
    }

    @Test
    void rtaddrIsWritableAsTwoHalves() {
        VtdHarness h = VtdHarness.create();
        h.w32(VtdRegs.RTADDR, 0x1234_5000L);
        h.w32(VtdRegs.RTADDR + 4, 0x9);
        assertEquals(0x9_1234_5000L, h.r64(VtdRegs.RTADDR));
    }

    @Test
    void irtaKeepsAddressSizeAndEimeOnlyWithEim() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.IRTA, -1L);
        assertEquals(0xFFFF_FFFF_FFFF_F00FL, h.r64(VtdRegs.IRTA));
        VtdHarness eim = VtdHarness.create("intel-iommu,eim=on");
        eim.w64(VtdRegs.IRTA, -1L);
        assertEquals(0xFFFF_FFFF_FFFF_F80FL, eim.r64(VtdRegs.IRTA));
    }

    @Test
    void eventControlRegistersResetMaskedAndKeepOnlyIm() {
        VtdHarness h = VtdHarness.create();
        assertEquals(0x8000_0000L, h.r32(VtdRegs.FECTL));
        assertEquals(0x8000_0000L, h.r32(VtdRegs.IECTL));
        h.w32(VtdRegs.FECTL, 0xFFFF_FFFFL);
        assertEquals(0x8000_0000L, h.r32(VtdRegs.FECTL));
        h.w32(VtdRegs.FEDATA, 0xFFFF_FFFFL);
        h.w32(VtdRegs.FEADDR, 0xFFFF_FFFFL);
        h.w32(VtdRegs.FEUADDR, 0xFFFF_FFFFL);
        assertEquals(0xFFFF, h.r32(VtdRegs.FEDATA));
        assertEquals(0xFFFF_FFFCL, h.r32(VtdRegs.FEADDR));
        assertEquals(0, h.r32(VtdRegs.FEUADDR));
    }

    @Test
    void ivaIsWriteOnlyAndIotlbKeepsItsCommandFields() {
        VtdHarness h = VtdHarness.create();
        h.w64(VtdRegs.IVA, -1L);
        assertEquals(0, h.r64(VtdRegs.IVA));
        h.w32(VtdRegs.IOTLB, 0xFFFF_FFFFL);
        assertEquals(0, h.r64(VtdRegs.IOTLB));
    }

    @Test
    void protectedMemoryAndAdvancedFaultRegistersAreReadOnlyZero() {
        VtdHarness h = VtdHarness.create();
        for (int off : new int[] {VtdRegs.PMEN, VtdRegs.PLMBASE, VtdRegs.PLMLIMIT}) {
            h.w32(off, 0xFFFF_FFFFL);
            assertEquals(0, h.r32(off));
        }
        h.w64(VtdRegs.PHMBASE, -1L);
        h.w64(VtdRegs.AFLOG, -1L);
        h.w64(VtdRegs.PQA, -1L);
        assertEquals(0, h.r64(VtdRegs.PHMBASE));
        assertEquals(0, h.r64(VtdRegs.AFLOG));
        assertEquals(0, h.r64(VtdRegs.PQA));
    }

    @Test
    void byteWordAndMisalignedAccessesReadZeroAndAreDropped() {
        VtdHarness h = VtdHarness.create();
        assertEquals(0, h.mem.read(h.base + VtdRegs.VER, 1));
        assertEquals(0, h.mem.read(h.base + VtdRegs.VER, 2));
        assertEquals(0, h.mem.read(h.base + 0x14, 8));
        h.mem.write(h.base + VtdRegs.RTADDR, 2, 0xFFFF);
        h.mem.write(h.base + VtdRegs.RTADDR + 2, 4, 0xFFFF_FFFFL);
        assertEquals(0, h.r64(VtdRegs.RTADDR));
    }

    @Test
    void undefinedOffsetsReadZeroAndIgnoreWrites() {
        VtdHarness h = VtdHarness.create();
        h.w64(0x300, -1L);
        h.w32(0xFF0, 0xFFFF_FFFFL);
        assertEquals(0, h.r64(0x300));
        assertEquals(0, h.r32(0xFF0));
    }

    @Test
    void fstsErrorBitsAreWriteOneToClearAndPpfIsReadOnly() {
        VtdHarness h = VtdHarness.create();
        h.w32(VtdRegs.FSTS, 0xFFFF_FFFFL);
        assertEquals(0, h.r32(VtdRegs.FSTS));
    }

    @Test
    void resetRestoresTheWholeRegisterImage() {
        VtdHarness h = VtdHarness.create();
        long[] before = new long[0x1000 / 8];
        for (int i = 0; i < before.length; i++) {
            before[i] = h.r64(i * 8);
        }
        h.w64(VtdRegs.RTADDR, 0x5000);
        h.w32(VtdRegs.GCMD, VtdRegs.SRTP);
        h.w32(VtdRegs.FECTL, 0);
        h.w64(VtdRegs.IRTA, 0x7000F);
        h.w32(VtdRegs.IEDATA, 0x55);
        h.machine.reset();
        for (int i = 0; i < before.length; i++) {
            assertEquals(before[i], h.r64(i * 8), "offset 0x" + Integer.toHexString(i * 8));
        }
    }
}
