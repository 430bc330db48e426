package dev.vplat.platform.device;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PropertyTypeTest {
    @Test
    void numbersUseCSyntax() {
        assertEquals(0xfffffffL, PropertyType.parseNumber("0xfffffff"));
        assertEquals(0xABL, PropertyType.parseNumber("0XaB"));
        assertEquals(8, PropertyType.parseNumber("010"));
        assertEquals(0, PropertyType.parseNumber("0"));
        assertEquals(42, PropertyType.parseNumber(" 42 "));
        assertEquals(-1L, PropertyType.parseNumber("0xffffffffffffffff"));
    }

    @Test
    void sizeSuffixesAreBinaryMultiples() {
        assertEquals(4096, PropertyType.parseNumber("4K"));
        assertEquals(2L << 20, PropertyType.parseNumber("2m"));
        assertEquals(1L << 40, PropertyType.parseNumber("1T"));
        assertEquals(1L << 60, PropertyType.parseNumber("1E"));
        assertEquals(16L << 10, PropertyType.parseNumber("0x10K"));
    }

    @Test
    void hexDigitAtTheEndIsADigitNotASuffix() {
        assertEquals(0x1E, PropertyType.parseNumber("0x1E"));
        assertEquals(0xFB, PropertyType.parseNumber("0xfb"));
    }

    @Test
    void malformedNumbersAreRejectedWithTheText() {
        for (String bad : new String[] {"", "0x", "K", "-1", "+5", "0x+5", "08", "12abc", "1 2", "0xg"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PropertyType.parseNumber(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad.trim() + "'") || e.getMessage().contains("'" + bad + "'"),
                    e.getMessage());
        }
    }

    @Test
    void overflowIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> PropertyType.parseNumber("0x10000000000000000"));
        assertThrows(IllegalArgumentException.class, () -> PropertyType.parseNumber("16E"));
        assertEquals(15L << 60, PropertyType.parseNumber("15E"));
    }

    @Test
    void unsignedRangeIsEnforced() {
        PropertyType<Long> awBits = PropertyType.uint(39, 48);
        assertEquals(48L, awBits.parse("48"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> awBits.parse("52"));
        assertEquals("value 52 (0x34) is outside [39, 48]", e.getMessage());
    }

    @Test
    void booleansAcceptQemuSpellings() {
        assertTrue(PropertyType.BOOL.parse("on"));
        assertTrue(PropertyType.BOOL.parse("YES"));
        assertFalse(PropertyType.BOOL.parse("off"));
        assertThrows(IllegalArgumentException.class, () -> PropertyType.BOOL.parse("maybe"));
    }

    @Test
    void oneOfAcceptsOnlyItsChoices() {
        PropertyType<String> mode = PropertyType.oneOf("legacy", "scalable");
        assertEquals("scalable", mode.parse("scalable"));
        assertThrows(IllegalArgumentException.class, () -> mode.parse("Scalable"));
    }
}
