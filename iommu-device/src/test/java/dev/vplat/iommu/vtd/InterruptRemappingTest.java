package dev.vplat.iommu.vtd;

import dev.vplat.platform.irq.MsiMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class InterruptRemappingTest {
    private static final int SID = 0x0008;

    private VtdHarness h;
    private long irt;

    private void setUp(String options, boolean eime) {
        h = VtdHarness.create(options);
        irt = h.alloc(16);
        h.w64(VtdRegs.IRTA, irt | (eime ? VtdRegs.IRTA_EIME : 0) | 7);   // 256 entries
        h.command(VtdRegs.SIRTP, true);
        h.command(VtdRegs.IRE, true);
    }

    /** IRTE remapped format: P, DM/RH/TM/DLM, vector, destination, SID/SQ/SVT. */
    private void irte(int index, long lo, long hi) {
        h.poke(irt + index * 16L, lo);
        h.poke(irt + index * 16L + 8, hi);
    }

    private static MsiMessage remappable(int handle, int data, int sid) {
        long addr = 0xFEE0_0000L | (handle & 0x7FFFL) << 5 | 0x10 | (handle >>> 15 & 1L) << 2;
        return new MsiMessage(addr, data, sid);
    }

    @Test
    void remappableMsiIsReplacedByTheIrteInterrupt() {
        setUp("intel-iommu", false);
        irte(3, 1 | 0x41L << 16 | 0x02L << 40, 0);          // vector 0x41, APIC ID 2, fixed, edge
        MsiMessage out = h.unit.remap(remappable(3, 0, SID));
        assertEquals(new MsiMessage(0xFEE0_2000L, 0x4041, SID), out);
    }

    @Test
    void subhandleIsAddedWhenShvIsSet() {
        setUp("intel-iommu", false);
        irte(5, 1 | 0x55L << 16, 0);
        MsiMessage m = new MsiMessage(0xFEE0_0000L | 2 << 5 | 0x18, 3, SID);
        assertEquals(0x4055, h.unit.remap(m).data());
    }

    @Test
    void x2apicDestinationUsesTheUpperAddressWithEime() {
        setUp("intel-iommu,eim=on", true);
        irte(1, 1 | 0x30L << 16 | 0x0001_0203L << 32, 0);
        assertEquals(0x1_0200_FEE0_3000L, h.unit.remap(remappable(1, 0, SID)).address());
    }

    @Test
    void faultsAreRecordedWithTheInterruptIndexAndTheMsiBlocked() {
        setUp("intel-iommu", false);
        assertNull(h.unit.remap(remappable(4, 0, SID)));
        assertEquals(0x22, h.faultReason(0));
        assertEquals(4L << 48, h.frcdLo(0));
        assertEquals(0x8000_0022_0000_0008L, h.frcdHi(0));
    }

    @Test
    void everyRemappingFaultReason() {
        setUp("intel-iommu", false);
        irte(1, 1 | 1L << 15, 0);                                // posted format (IM) not offered
        irte(2, 1, 1L << 18 | 0x0010);                            // SVT=1, SID 00:02.0
        irte(3, 1 | 0x01L << 32, 0);                              // xAPIC: DST bits 39:32 reserved
        irte(6, 1 | 2, 0);                                        // FPD set but valid
        int[][] cases = {
            {0x21, 300}, {0x24, 1}, {0x26, 2}, {0x24, 3},
        };
        for (int[] c : cases) {
            assertNull(h.unit.remap(remappable(c[1], 0, SID)));
            assertEquals(c[0], h.faultReason(0), "index " + c[1]);
            h.clearFaults(0);
        }
        assertNull(h.unit.remap(new MsiMessage(0xFEE0_0018L, 0x1_0000, SID)));   // SHV with data 31:16
        assertEquals(0x20, h.faultReason(0));
        h.clearFaults(0);
        assertNull(h.unit.remap(new MsiMessage(0xFEE0_0000L, 0x30, SID)));       // compatibility, CFIS=0
        assertEquals(0x25, h.faultReason(0));
        h.clearFaults(0);
        h.w64(VtdRegs.IRTA, h.base | 7);
        h.command(VtdRegs.SIRTP, true);
        assertNull(h.unit.remap(remappable(0, 0, SID)));
        assertEquals(0x23, h.faultReason(0));
    }

    @Test
    void fpdSuppressesNotPresentFaultsOfThatEntry() {
        setUp("intel-iommu", false);
        irte(7, 2, 0);
        assertNull(h.unit.remap(remappable(7, 0, SID)));
        assertEquals(0, h.r32(VtdRegs.FSTS));
    }

    @Test
    void compatibilityFormatPassesOnlyWithCfi() {
        setUp("intel-iommu", false);
        MsiMessage compat = new MsiMessage(0xFEE0_1000L, 0x31, SID);
        h.command(VtdRegs.CFI, true);
        assertSame(compat, h.unit.remap(compat));
    }

    @Test
    void sourceIdVerificationWithQualifierAndBusRange() {
        setUp("intel-iommu", false);
        irte(1, 1 | 0x20L << 16, 1L << 18 | 3L << 16 | 0x000F);  // SQ=3: ignore function bits
        irte(2, 1 | 0x21L << 16, 2L << 18 | 0x0203);             // buses 2..3
        assertEquals(0x4020, h.unit.remap(remappable(1, 0, 0x0009)).data());
        assertEquals(0x4021, h.unit.remap(remappable(2, 0, 0x0310)).data());
        assertNull(h.unit.remap(remappable(2, 0, 0x0410)));
        assertEquals(0x26, h.faultReason(0));
    }

    @Test
    void cachedIrteStaysUntilIecInvalidationByIndex() {
        setUp("intel-iommu,strict=on", false);
        irte(9, 1 | 0x41L << 16, 0);
        h.unit.remap(remappable(9, 0, SID));
        irte(9, 1 | 0x42L << 16, 0);
        assertEquals(0x4041, h.unit.remap(remappable(9, 0, SID)).data());
        assertEquals(1, h.unit.staleInterruptEntries());
        h.enableQueue(false);
        h.submit(0x14 | 1L << 27 | 8L << 32, 0);                 // index 8, IM=1 → 8..9
        assertEquals(0x4042, h.unit.remap(remappable(9, 0, SID)).data());
    }

    @Test
    void cpuWritesOutOfScopeRequestersAndIreOffPassThrough() {
        setUp("intel-iommu,scope=00:01.0", false);
        MsiMessage cpu = remappable(1, 0, -1);
        MsiMessage other = remappable(1, 0, 0x0010);
        assertSame(cpu, h.unit.remap(cpu));
        assertSame(other, h.unit.remap(other));
        h.command(VtdRegs.IRE, false);
        MsiMessage mine = remappable(1, 0, SID);
        assertSame(mine, h.unit.remap(mine));
    }

    @Test
    void deviceMsiThroughTheMachineReachesListenersRemapped() {
        setUp("intel-iommu", false);
        irte(0, 1 | 0x60L << 16 | 0x01L << 40, 0);
        h.machine.interrupts().deliverMsi(remappable(0, 0, SID));
        assertEquals(List.of(new MsiMessage(0xFEE0_1000L, 0x4060, SID)), h.msis);
    }
}
