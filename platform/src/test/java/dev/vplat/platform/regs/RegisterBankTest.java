package dev.vplat.platform.regs;

import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.memory.ContainerRegion;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Register semantics as QEMU's VT-d model applies them (intel_iommu.c vtd_set_long/quad). */
class RegisterBankTest {
    private final Trace trace = new Trace();
    private final RegisterBank bank = new RegisterBank("dmar0", 0x1000, trace, TraceCategory.IOMMU);

    @Test
    void readWriteBitsTakeTheWrittenValueAndReadOnlyBitsKeepTheirs() {
        Register r = bank.define(Register.u32("FECTL", 0x38).reset(0x8000_0000L).rw(0x8000_0000L));

        bank.write(0x38, 4, 0x4000_0001L);

        assertEquals(0, r.value());
        r.set(0x4000_0000L);
        bank.write(0x38, 4, 0x8000_0000L);
        assertEquals(0xC000_0000L, bank.read(0x38, 4));
    }

    @Test
    void writeOneToClearBitsClearOnlyWhereOnesAreWritten() {
        Register fsts = bank.define(Register.u32("FSTS", 0x34).w1c(0x11));
        fsts.set(0x13);

        bank.write(0x34, 4, 0x01);

        assertEquals(0x12, fsts.value());
        bank.write(0x34, 4, 0x02);
        assertEquals(0x12, fsts.value());
    }

    @Test
    void writeOneToSetBitsSetOnlyWhereOnesAreWritten() {
        Register r = bank.define(Register.u32("CMD", 0x40).w1s(0x0F));
        r.set(0x01);

        bank.write(0x40, 4, 0x04);
        bank.write(0x40, 4, 0x00);

        assertEquals(0x05, r.value());
    }

    @Test
    void writeOnlyRegisterReadsZeroButKeepsWhatWasWritten() {
        Register gcmd = bank.define(Register.u32("GCMD", 0x18).rw(0xFF80_0000L).writeOnly());

        bank.write(0x18, 4, 0x8000_0000L);

        assertEquals(0, bank.read(0x18, 4));
        assertEquals(0x8000_0000L, gcmd.value());
    }

    @Test
    void writeOnlyBitsReadZeroWhileTheOthersReadBack() {
        bank.define(Register.u64("CCMD", 0x28).rw(0xE000_0003_FFFF_FFFFL).writeOnly(0x3_FFFF_0000L));

        bank.write(0x28, 8, -1L);

        assertEquals(0xE000_0000_0000_FFFFL, bank.read(0x28, 8));
    }

    @Test
    void reservedZeroBitsIgnoreWritesAndReadZero() {
        Register r = bank.define(Register.u32("CTRL", 0x50).rw(0xFF).reserved(0xFFFF_FF00L));
        r.set(0xFFFF_FFFFL);

        assertEquals(0xFF, bank.read(0x50, 4));
        bank.write(0x50, 4, 0x1234_5678L);
        assertEquals(0x78, bank.read(0x50, 4));
    }

    @Test
    void sixtyFourBitRegisterWrittenAsTwoHalvesTakesBothAndHooksSeeEachHalf() {
        List<RegisterWrite> seen = new ArrayList<>();
        Register rtaddr = bank.define(Register.u64("RTADDR", 0x20).rw(0xFFFF_FFFF_FFFF_FC00L).onWrite(seen::add));

        bank.write(0x20, 4, 0x1234_5000L);
        bank.write(0x24, 4, 0xABCDL);

        assertEquals(0xABCD_1234_5000L, rtaddr.value());
        assertEquals(2, seen.size());
        assertTrue(seen.get(0).coversLowHalf());
        assertFalse(seen.get(0).coversHighHalf());
        assertTrue(seen.get(1).coversHighHalf());
        assertFalse(seen.get(1).coversLowHalf());
        assertEquals(0x1234_5000L, seen.get(1).oldValue());
    }

    @Test
    void sixtyFourBitRegisterReadsAsTwoHalves() {
        Register cap = bank.define(Register.u64("CAP", 0x08).reset(0x00D2_008C_222F_0606L));

        assertEquals(0x222F_0606L, bank.read(0x08, 4));
        assertEquals(0x00D2_008CL, bank.read(0x0C, 4));
        assertEquals(cap.resetValue(), bank.read(0x08, 8));
    }

    @Test
    void highHalfWriteLeavesTheLowHalfAlone() {
        Register r = bank.define(Register.u64("IQA", 0x90).rw(-1L));
        r.set(0x1111_2222_3333_4444L);

        bank.write(0x94, 4, 0xAAAA_BBBBL);

        assertEquals(0xAAAA_BBBB_3333_4444L, r.value());
    }

    @Test
    void eightByteReadOfTwoThirtyTwoBitRegistersReturnsBoth() {
        bank.define(Register.u32("GCMD", 0x18).writeOnly());
        bank.define(Register.u32("GSTS", 0x1C).reset(0x8000_0000L));

        assertEquals(0x8000_0000_0000_0000L, bank.read(0x18, 8));
    }

    @Test
    void eightByteWriteOverARegisterAndAHoleAppliesOnlyTheRegistersMasks() {
        Register fsts = bank.define(Register.u32("FSTS", 0x34).w1c(0x1));
        fsts.set(0x1);

        bank.write(0x30, 8, -1L);

        assertEquals(0, fsts.value());
    }

    @Test
    void sixteenBitRegistersSharingADwordAreReachedOneByOneAndTogether() {
        Register command = bank.define(Register.u16("COMMAND", 0x04).rw(0x0547));
        Register status = bank.define(Register.u16("STATUS", 0x06).reset(0x0010).w1c(0xF900));
        status.set(0x8010);

        bank.write(0x04, 4, 0x8000_0006L);

        assertEquals(0x0006, command.value());
        assertEquals(0x0010, status.value());
        assertEquals(0x0010_0006L, bank.read(0x04, 4));
        assertEquals(0x10, bank.read(0x06, 1));
        assertSame(status, bank.at(0x07));
    }

    @Test
    void byteAccessReachesTheRightByteOfAWiderRegister() {
        Register r = bank.define(Register.u32("DATA", 0x60).rw(-1L));
        r.set(0x4433_2211L);

        assertEquals(0x33, bank.read(0x62, 1));
        bank.write(0x61, 1, 0xEE);
        assertEquals(0x4433_EE11L, r.value());
    }

    @Test
    void unassignedOffsetsReadTheBankDefaultAndIgnoreWrites() {
        bank.define(Register.u32("VER", 0x0).reset(0x10));
        bank.unassignedRead(-1L);

        assertEquals(0xFFFF_FFFFL, bank.read(0x4, 4));
        assertEquals(0xFFFF_FFFF_0000_0010L, bank.read(0x0, 8));
        bank.write(0x4, 4, 5);
        assertNull(bank.at(0x4));
        assertEquals(0xFFFF_FFFFL, bank.read(0x1000, 4));
    }

    @Test
    void readHookComputesTheValueTheGuestSees() {
        long[] counter = {41};
        bank.define(Register.u32("COUNT", 0x70).onRead(stored -> ++counter[0]));

        assertEquals(42, bank.read(0x70, 4));
        assertEquals(43, bank.read(0x70, 4));
    }

    @Test
    void writeHookRunsAfterTheMasksAndCanUpdateAnotherRegister() {
        Register gsts = bank.define(Register.u32("GSTS", 0x1C).field("TES", 31));
        bank.define(Register.u32("GCMD", 0x18).rw(0x8000_0000L).writeOnly().field("TE", 31)
                .onWrite(w -> gsts.set(gsts.field("TES"), w.register().get(w.register().field("TE")))));

        bank.write(0x18, 4, 0x8000_0000L);

        assertEquals(0x8000_0000L, bank.read(0x1C, 4));
    }

    @Test
    void resetRestoresEveryRegistersResetValue() {
        Register a = bank.define(Register.u32("A", 0x0).reset(3).rw(-1L));
        Register b = bank.define(Register.u64("B", 0x8).reset(7).rw(-1L));
        bank.write(0x0, 4, 0);
        bank.write(0x8, 8, 0);

        bank.reset();

        assertEquals(3, a.value());
        assertEquals(7, b.value());
    }

    @Test
    void traceNamesRegisterAndFieldsOfAWrite() {
        bank.define(Register.u32("GCMD", 0x18).rw(0xFF80_0000L).writeOnly().field("TE", 31).field("SRTP", 30));
        trace.enable(EnumSet.of(TraceCategory.IOMMU));

        bank.write(0x18, 4, 0x8000_0000L);

        assertEquals(List.of("0 iommu dmar0: write GCMD.TE=1 SRTP=0"), trace.tail());
    }

    @Test
    void bankReachedThroughAnAddressSpaceTracesOnceWithRegisterNames() {
        trace.enable(EnumSet.of(TraceCategory.MMIO, TraceCategory.IOMMU));
        bank.define(Register.u64("IQT", 0x88).rw(0x7FFF0L).field("QT", 4, 15));
        ContainerRegion root = new ContainerRegion("system", 1L << 40);
        root.add(new MmioRegion("dmar0", bank.size(), AccessRules.DWORD_QWORD_ALIGNED, bank), 0xFED9_0000L);
        AddressSpace space = new AddressSpace("system", root, trace, TraceCategory.MMIO);

        space.write32(0xFED9_008CL, 0);

        assertEquals(List.of("0 iommu dmar0: write IQT.QT=0x0 (4-byte access at +4)"), trace.tail());
    }

    @Test
    void overlappingOrOutOfBankRegistersAreRejected() {
        bank.define(Register.u64("A", 0x8));
        assertThrows(IllegalArgumentException.class, () -> bank.define(Register.u32("B", 0xC)));
        assertThrows(IllegalArgumentException.class, () -> bank.define(Register.u32("C", 0x1000)));
        assertThrows(IllegalArgumentException.class, () -> bank.define(Register.u8("D", 0xF)));
    }

    @Test
    void registerByNameFindsDeclaredRegistersAndNamesTheMissingOne() {
        Register ver = bank.define(Register.u32("VER", 0));
        assertSame(ver, bank.byName("VER"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bank.byName("NOPE"));
        assertEquals("dmar0 has no register NOPE", e.getMessage());
    }
}
