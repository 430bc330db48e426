package dev.vplat.vfio.plugin;

import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The example plugin of docs/examples/ring-device, compiled from its sources into a jar here
 * (as its own Maven build would) and loaded through {@code --plugin}: the type is found with the
 * jar as its origin, and a guest driver programs it through ECAM and MMIO, rings the doorbell,
 * and sees the DMA done, the descriptor completed and MSI-X vector 0.
 */
class RingPluginTest {
    private static final Path EXAMPLE = Path.of("..", "docs", "examples", "ring-device", "src", "main");
    private static final long BAR0 = 0xE000_0000L;
    private static final long BAR2 = 0xE000_1000L;
    private static final long RING = 0x10_0000;
    private static final long SRC = 0x20_0000;
    private static final long DST = 0x30_0000;

    @TempDir
    static Path work;
    static Path jar;

    @BeforeAll
    static void buildTheExampleJar() throws IOException {
        jar = new PluginJarBuilder(work).sourceTree(EXAMPLE.resolve("java")).resources(EXAMPLE.resolve("resources"))
                .build("ring-device");
    }

    private static PlatformConfig config(List<String> devices) {
        return new PlatformConfig("q35", devices, List.of(), 64 << 20, false, "", ClockMode.VIRTUAL, false,
                List.of(jar));
    }

    @Test
    void theExamplesTypeIsRegisteredWithTheJarAsItsOrigin() {
        DeviceRegistry registry = PluginLoader.registry(getClass().getClassLoader(), List.of(jar));
        assertEquals(jar.toString(), registry.origin("ring-dma"));
        assertEquals(PluginLoader.BUILTIN_ORIGIN, registry.origin("edu"));
    }

    @Test
    void guestDriverRingsTheDoorbellAndTheDeviceCopiesCompletesAndSignalsVectorZero() {
        try (Platform p = Platforms.create(config(List.of("ring-dma,addr=0a.0,id=ring0")))) {
            List<MsiMessage> msis = new ArrayList<>();
            p.machine().interrupts().addListener(new InterruptListener() {
                @Override
                public void onMsi(MsiMessage message) {
                    msis.add(message);
                }
            });
            GuestMemory mem = p.machine().system();
            GuestPci pci = new GuestPci(mem, 0xa, 0);
            assertEquals(0x7269_1234L, pci.configRead(0, 4), "vendor 1234, device 7269");

            pci.configWrite(0x10, 4, BAR0);
            pci.configWrite(0x14, 4, 0);
            pci.configWrite(0x18, 4, BAR2);
            pci.configWrite(0x04, 2, 0x6);
            int msix = pci.findCapability(0x11);
            mem.write32(BAR2, MsiMessage.X86_WINDOW_BASE);
            mem.write32(BAR2 + 4, 0);
            mem.write32(BAR2 + 8, 0x41);
            mem.write32(BAR2 + 12, 0);
            pci.configWrite(msix + 2, 2, 0x8000);

            byte[] data = "bytes that travel by DMA".getBytes(StandardCharsets.US_ASCII);
            mem.write(SRC, data, 0, data.length);
            mem.write64(RING, SRC);
            mem.write64(RING + 0x08, DST);
            mem.write32(RING + 0x10, data.length);
            mem.write32(RING + 0x14, 1);
            mem.write64(BAR0 + 0x08, RING);
            mem.write32(BAR0 + 0x10, 4);
            mem.write32(BAR0 + 0x20, 3);
            mem.write32(BAR0 + 0x18, 1);
            mem.write32(BAR0 + 0x1C, 1);

            byte[] copied = new byte[data.length];
            mem.read(DST, copied, 0, copied.length);
            assertArrayEquals(data, copied);
            assertEquals(1, mem.read32(RING + 0x18), "descriptor status DONE");
            assertEquals(1, mem.read32(BAR0 + 0x14), "HEAD advanced");
            assertEquals(List.of(new MsiMessage(MsiMessage.X86_WINDOW_BASE, 0x41, 0x50)), msis,
                    "vector 0 from requester 00:0a.0");
        }
    }

    @Test
    void twoInstancesOfThePluginTypeGetTheirOwnFunctions() {
        try (Platform p = Platforms.create(config(List.of("ring-dma,addr=0a.0", "ring-dma,addr=0b.0")))) {
            assertEquals(0x7269_1234L, new GuestPci(p.machine().system(), 0xa, 0).configRead(0, 4));
            assertEquals(0x7269_1234L, new GuestPci(p.machine().system(), 0xb, 0).configRead(0, 4));
        }
    }
}
