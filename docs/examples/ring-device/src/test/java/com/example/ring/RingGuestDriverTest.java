package com.example.ring;

import dev.vplat.guest.client.Event;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.junit.Pci;
import dev.vplat.guest.junit.VplatTest;
import dev.vplat.guest.pci.MsixCap;
import dev.vplat.guest.pci.PciDev;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A guest driver for the ring device written with vplat's JUnit 5 extension: the extension
 * serves a machine with the device (found on this project's class path), enumerates it and
 * assigns its BARs like firmware, and hands the test a guest session and the function.
 */
@VplatTest(memory = "64M", devices = "ring-dma,addr=04.0")
class RingGuestDriverTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long RING = 0x10_0000;
    private static final long SRC = 0x20_0000;
    private static final long DST = 0x30_0000;
    private static final int VECTOR_DATA = 0x41;

    @Test
    void driverSubmitsACopyAndReceivesTheCompletionInterrupt(@Pci("00:04.0") PciDev ring, VplatClient guest) {
        ring.enable();
        MsixCap msix = ring.msix().orElseThrow();
        msix.setup(0, 0xFEE0_0000L, VECTOR_DATA);
        guest.irqWatch(true);

        byte[] data = "a buffer the driver hands to the ring".getBytes(StandardCharsets.US_ASCII);
        guest.memWrite(SRC, data);
        guest.writeq(RING, SRC);
        guest.writeq(RING + 0x08, DST);
        guest.writel(RING + 0x10, data.length);
        guest.writel(RING + 0x14, RingDevice.FLAG_COPY);

        ring.barWriteq(0, RingDevice.REG_RING_BASE, RING);
        ring.barWritel(0, RingDevice.REG_RING_SIZE, 16);
        ring.barWritel(0, RingDevice.REG_CONTROL, RingDevice.CONTROL_ENABLE | RingDevice.CONTROL_IRQ);
        ring.barWritel(0, RingDevice.REG_TAIL, 1);
        ring.barWritel(0, RingDevice.REG_DOORBELL, 1);

        Event.Msi completion = guest.awaitMsi(VECTOR_DATA, WAIT);
        assertEquals(0x20, completion.requesterId(), "sent by 00:04.0");
        assertArrayEquals(data, guest.memRead(DST, data.length));
        assertEquals(RingDevice.DESC_DONE, guest.readl(RING + 0x18));
        assertEquals(1, ring.barReadl(0, RingDevice.REG_HEAD));
    }
}
