package dev.vplat.pci;

import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntxTest {
    private Bench b;
    private PciFunction f;
    private DeviceContext device;

    @BeforeEach
    void setUp() {
        b = new Bench();
        f = b.plugSpec("intx", "08.0", c -> {
            device = c;
            return FunctionSpec.builder(0x1234, 1).interruptPin(2).build();
        });
    }

    private boolean line() {
        return b.machine.interrupts().intxLevel(f.requesterId().value(), 2);
    }

    @Test
    void assertedIntxDrivesTheLineAndSetsStatusInterrupt() {
        device.interrupts().setIntx(true);
        assertTrue(line());
        assertEquals(0x08L, b.cfgRead(f, 0x06, 2) & 0x08);
        device.interrupts().setIntx(false);
        assertFalse(line());
        assertEquals(0L, b.cfgRead(f, 0x06, 2) & 0x08);
    }

    @Test
    void interruptDisableMasksTheLineButNotTheStatusBit() {
        b.cfgWrite(f, 0x04, 2, 0x400);
        device.interrupts().setIntx(true);
        assertFalse(line());
        assertEquals(0x08L, b.cfgRead(f, 0x06, 2) & 0x08, "Status.Interrupt shows the device's level");
        b.cfgWrite(f, 0x04, 2, 0);
        assertTrue(line(), "clearing InterruptDisable releases the pending level");
    }

    @Test
    void functionResetReleasesTheLine() {
        device.interrupts().setIntx(true);
        f.functionLevelReset();
        assertFalse(line());
    }
}
