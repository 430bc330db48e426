package com.example.ring;

import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.server.ListenAddress;
import dev.vplat.vfio.server.ServerOptions;
import dev.vplat.vfio.server.VplatServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device behind a real vplat server, driven as a guest driver over the socket with
 * qtest-style text lines — what a C or Python test would send. The device type is found on the
 * test class path (this project's META-INF/services), exactly as {@code --plugin} finds it in
 * the jar.
 */
class RingOverSocketTest {
    private static final long ECAM_04_0 = 0xB000_0000L + (4 << 15);
    private static final long BAR0 = 0xE000_0000L;
    private static final long BAR2 = 0xE000_1000L;

    private Platform platform;
    private VplatServer server;
    private Socket socket;
    private PrintWriter out;
    private BufferedReader in;
    private final List<String> interrupts = new ArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        PlatformConfig config = new PlatformConfig("q35", List.of("ring-dma,addr=04.0"), List.of(), 64L << 20, false,
                "", ClockMode.VIRTUAL, false, List.of());
        platform = Platforms.create(config);
        server = VplatServer.start(platform, ServerOptions.defaults(), List.of(ListenAddress.parse("tcp:127.0.0.1:0")));
        ListenAddress at = server.addresses().get(0);
        socket = new Socket(at.host(), at.port());
        out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.US_ASCII);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
    }

    @AfterEach
    void stop() throws IOException {
        socket.close();
        server.close();
        platform.close();
    }

    /** Sends one command and returns its reply; interrupt lines arriving meanwhile are kept. */
    private String send(String command) throws IOException {
        out.println(command);
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.startsWith("IRQ ")) {
                interrupts.add(line);
            } else {
                return line;
            }
        }
        throw new IOException("server closed the connection");
    }

    private void ok(String command) throws IOException {
        assertEquals("OK", send(command), command);
    }

    @Test
    void doorbellOverTheSocketCopiesTheBufferAndRaisesTheMsixVector() throws IOException {
        ok("irq_intercept_in ioapic");
        ok(String.format("writel 0x%x 0xe0000000", ECAM_04_0 + 0x10));   // BAR0 low
        ok(String.format("writel 0x%x 0x0", ECAM_04_0 + 0x14));          // BAR0 high
        ok(String.format("writel 0x%x 0xe0001000", ECAM_04_0 + 0x18));   // BAR2 (MSI-X table)
        ok(String.format("writew 0x%x 0x6", ECAM_04_0 + 0x04));          // MEM | BUS_MASTER
        ok(String.format("writel 0x%x 0xfee00000", BAR2));               // entry 0: address
        ok(String.format("writel 0x%x 0x41", BAR2 + 8));                 // entry 0: data = vector 0x41
        ok(String.format("writel 0x%x 0x0", BAR2 + 12));                 // entry 0: unmasked
        long msix = findMsix();
        ok(String.format("writew 0x%x 0x8000", ECAM_04_0 + msix + 2));  // MSI-X enable

        ok("write 0x200000 4 0xcafef00d");                              // the source buffer
        ok("writeq 0x100000 0x200000");                                 // descriptor 0: src
        ok("writeq 0x100008 0x300000");                                 //               dst
        ok("writel 0x100010 0x4");                                      //               length
        ok("writel 0x100014 0x1");                                      //               COPY
        ok(String.format("writeq 0x%x 0x100000", BAR0 + RingDevice.REG_RING_BASE));
        ok(String.format("writel 0x%x 0x8", BAR0 + RingDevice.REG_RING_SIZE));
        ok(String.format("writel 0x%x 0x3", BAR0 + RingDevice.REG_CONTROL));
        ok(String.format("writel 0x%x 0x1", BAR0 + RingDevice.REG_TAIL));
        ok(String.format("writel 0x%x 0x1", BAR0 + RingDevice.REG_DOORBELL));

        assertEquals("OK 0xcafef00d", send("read 0x300000 4"));
        assertEquals("OK 0x0000000000000001", send("readl 0x100018"), "descriptor status DONE");
        send(String.format("readl 0x%x", BAR0 + RingDevice.REG_COMPLETED));
        assertTrue(interrupts.contains("IRQ raise 65"), interrupts.toString());
    }

    /** Walks the capability list over the socket, as pci_find_capability does, to MSI-X (ID 0x11). */
    private long findMsix() throws IOException {
        long at = value(send(String.format("readb 0x%x", ECAM_04_0 + 0x34)));
        while (at != 0 && value(send(String.format("readb 0x%x", ECAM_04_0 + at))) != 0x11) {
            at = value(send(String.format("readb 0x%x", ECAM_04_0 + at + 1)));
        }
        return at;
    }

    private static long value(String reply) {
        return Long.decode(reply.substring(3));
    }
}
