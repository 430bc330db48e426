package dev.vplat.platform.regs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RegisterTest {
    @Test
    void fieldsReadAndWriteTheirBitsOnly() {
        Register r = Register.u32("CTRL", 0).field("MODE", 4, 3).build();
        Field mode = r.field("MODE");

        r.set(mode, 0b101);

        assertEquals(0x50, r.value());
        assertEquals(0b101, r.get(mode));
        assertEquals(0x70, mode.mask());
    }

    @Test
    void describeNamesEveryFieldWithMultiBitFieldsInHex() {
        Register r = Register.u32("GSTS", 0x1C).field("TES", 31).field("FRO", 24, 4).build();
        assertEquals("GSTS.TES=1 FRO=0xa", r.describe(0x8A00_0000L));
        assertEquals("VER=0x10", Register.u32("VER", 0).build().describe(0x10));
    }

    @Test
    void allOnesMaskMeansEveryBitOfTheRegister() {
        Register r = Register.u16("ALL", 0).rw(-1L).build();
        r.guestWrite(-1L, -1L);
        assertEquals(0xFFFF, r.value());
    }

    @Test
    void modelSideSetIgnoresMasksButKeepsTheWidth() {
        Register r = Register.u32("RO", 0).build();
        r.set(0x1_2345_6789L);
        assertEquals(0x2345_6789L, r.value());
    }

    @Test
    void signExtendedIntResetValueMeansItsLow32Bits() {
        Register r = Register.u32("ID", 0).reset(0xDA7A_0001).build();
        assertEquals(0xDA7A_0001L, r.value());
    }

    @Test
    void declarationsThatCannotBeMeantAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Register.u32("MISALIGNED", 2));
        assertThrows(IllegalArgumentException.class, () -> Register.u32("TWICE", 0).rw(1).w1c(1).build());
        assertThrows(IllegalArgumentException.class, () -> Register.u32("RSVD", 0).rw(3).reserved(2).build());
        assertThrows(IllegalArgumentException.class, () -> Register.u32("RESET", 0).reserved(1).reset(1).build());
        assertThrows(IllegalArgumentException.class, () -> Register.u16("FIELD", 0).field("HI", 16).build());
    }
}
