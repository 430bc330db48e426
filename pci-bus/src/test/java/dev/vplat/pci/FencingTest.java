package dev.vplat.pci;

import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FencingTest {
    /** Reads 0x42 until written 0xDEAD, then throws on every access. */
    private static final class Fragile implements PciDevice {
        boolean broken;
        int writes;
        Timer timer;

        @Override
        public FunctionSpec realize(DeviceContext context) {
            timer = context.newTimer("boom", () -> {
                throw new IllegalStateException("timer bug");
            });
            return FunctionSpec.builder(0x1234, 0xBAD0).bar(0, BarSpec.memory32(4096, AccessRules.ANY, new MmioOps() {
                @Override
                public long read(long offset, int size) {
                    if (broken) {
                        throw new IllegalStateException("model bug");
                    }
                    return 0x42;
                }

                @Override
                public void write(long offset, int size, long value) {
                    writes++;
                    broken |= value == 0xDEAD;
                }
            })).build();
        }
    }

    @Test
    void throwingModelIsFencedReadsAllOnesDropsWritesAndTheMachineKeepsRunning() {
        Bench b = new Bench();
        Fragile model = new Fragile();
        PciFunction f = b.plugModel("fragile", "08.0", "", c -> model);
        b.assignBar(f, 0, 0xFE00_0000L);
        assertEquals(0x42L, b.machine.system().read(0xFE00_0000L, 4));
        b.machine.system().write(0xFE00_0000L, 4, 0xDEAD);
        assertEquals(0xFFFF_FFFFL, b.machine.system().read(0xFE00_0000L, 4));
        assertTrue(f.fenced());
        assertTrue(b.traced("function fenced"));
        b.machine.system().write(0xFE00_0000L, 4, 1);
        assertEquals(1, model.writes, "writes after fencing never reach the model");
        assertEquals(0x29C0_8086L, b.ecamRead(0, 0, 0, 0, 4), "the rest of the machine still answers");
    }

    @Test
    void fenceListenersHearWhichFunctionWasFencedAndWhy() {
        Bench b = new Bench();
        Fragile model = new Fragile();
        PciFunction f = b.plugModel("fragile", "08.0", "", c -> model);
        b.assignBar(f, 0, 0xFE00_0000L);
        java.util.List<String> heard = new java.util.ArrayList<>();
        b.host.addFenceListener((fn, why) -> heard.add(fn.id() + ": " + why));
        b.machine.system().write(0xFE00_0000L, 4, 0xDEAD);
        b.machine.system().read(0xFE00_0000L, 4);
        b.machine.system().read(0xFE00_0000L, 4);
        assertEquals(java.util.List.of("fragile: device model failed in read32 +0x0"
                + " (java.lang.IllegalStateException: model bug)"), heard, "told once, when the fence goes up");
    }

    @Test
    void throwingTimerCallbackFencesTheDevice() {
        Bench b = new Bench();
        Fragile model = new Fragile();
        PciFunction f = b.plugModel("fragile", "08.0", "", c -> model);
        model.timer.armIn(10);
        b.machine.clock().step(10);
        assertTrue(f.fenced());
        assertFalse(model.broken);
    }
}
