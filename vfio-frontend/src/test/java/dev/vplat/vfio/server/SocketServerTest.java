package dev.vplat.vfio.server;

import dev.vplat.vfio.cli.WireClient;
import dev.vplat.vfio.cli.WireException;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole server over real TCP and UNIX sockets. */
class SocketServerTest {
    @TempDir
    Path dir;
    private Platform platform;
    private VplatServer server;
    private String tcp;
    private String unix;

    @BeforeEach
    void start() {
        platform = Platforms.create(PlatformConfig.defaults().withMemory(64L << 20));
        server = VplatServer.start(platform, ServerOptions.defaults(),
                List.of(ListenAddress.parse("tcp:127.0.0.1:0"), ListenAddress.parse("unix:" + dir.resolve("v.sock"))));
        tcp = server.addresses().get(0).toString();
        unix = server.addresses().get(1).toString();
    }

    @AfterEach
    void stop() {
        server.close();
        platform.close();
    }

    private Map<String, Long> counters() {
        return server.machineThread().call(() -> platform.kernel().counters());
    }

    /** Waits (bounded) for the machine thread to have run the exits of closed sessions. */
    private void awaitSessions(long n) throws InterruptedException {
        for (int i = 0; i < 500 && counters().get("sessions") != n; i++) {
            Thread.sleep(10);
        }
        assertEquals(n, counters().get("sessions"));
    }

    private static WireClient guest(String target) {
        WireClient c = WireClient.connect(target);
        c.hello(1, null);
        return c;
    }

    @Test
    void pipelined100kRequestsAreAnsweredInOrderWhileAReaderRunsConcurrently() throws Exception {
        try (WireClient c = guest(tcp)) {
            for (int i = 0; i < 64; i++) {
                c.memWrite(0x10000 + i * 8L, Bytes.le().u64(i * 0x0101010101L).array());
            }
            int n = 100_000;
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        c.send(Op.MEM_READ.code(), Bytes.le().u64(0x10000 + (i % 64) * 8L).u32(8).array());
                    }
                } catch (Throwable t) {
                    writerFailure.set(t);
                }
            });
            writer.start();
            int firstTag = -1;
            for (int i = 0; i < n; i++) {
                WireClient.Frame f = c.receive();
                if (i == 0) {
                    firstTag = f.tag();
                }
                assertEquals(firstTag + i, f.tag());
                assertEquals((i % 64) * 0x0101010101L, f.data().getLong());
            }
            writer.join();
            assertNull(writerFailure.get());
        }
    }

    /** The most a connection's outbound buffer holds, as Netty counts it (bytes plus its per-message overhead). */
    private long largestOutboundBuffer() {
        long most = 0;
        for (io.netty.channel.Channel ch : server.connections()) {
            io.netty.channel.ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
            most = Math.max(most, b == null ? 0 : b.totalPendingWriteBytes());
        }
        return most;
    }

    @Test
    void aClientThatNeverReadsCostsTheServerAtMostTheHighMarkPlusOneReplyWhileOthersAreServed() throws Exception {
        int replyData = 64 << 10;
        int requests = 1000;
        long bound = ServerOptions.defaults().writeHighWaterMark() + FrameHeader.SIZE + replyData
                + ChannelLink.NETTY_ENTRY_OVERHEAD;
        try (WireClient stuck = guest(unix); WireClient served = guest(tcp)) {
            for (int i = 0; i < 16; i++) {
                stuck.memWrite(i * (long) replyData, Bytes.le().u32(i).array());
            }
            Thread sender = new Thread(() -> {
                for (int i = 0; i < requests; i++) {
                    stuck.send(Op.MEM_READ.code(), Bytes.le().u64((i % 16) * (long) replyData).u32(replyData).array());
                }
            });
            sender.start();
            for (int i = 0; i < 1000 && largestOutboundBuffer() <= ServerOptions.defaults().writeHighWaterMark(); i++) {
                Thread.sleep(10);
            }
            assertTrue(largestOutboundBuffer() > ServerOptions.defaults().writeHighWaterMark(),
                    "the unread replies fill the outbound buffer up to the mark");
            for (int i = 0; i < 200; i++) {
                served.memWrite(0x20_0000, Bytes.le().u32(i).array());
                assertArrayEquals(Bytes.le().u32(i).array(), served.memRead(0x20_0000, 4));
                long held = largestOutboundBuffer();
                assertTrue(held <= bound, held + " bytes buffered for a client that does not read");
            }
            for (int i = 0; i < requests; i++) {
                WireClient.Frame reply = stuck.receive();
                assertEquals(replyData, reply.payload().length);
                assertEquals(i % 16, reply.data().getInt(), "reply " + i + " in order, none dropped");
            }
            sender.join();
        }
    }

    @Test
    void twoClientsAtOnceEachSeeTheirOwnResults() {
        try (WireClient a = guest(tcp); WireClient b = guest(unix)) {
            for (int i = 0; i < 200; i++) {
                a.memWrite(0x20000, Bytes.le().u32(i).array());
                b.memWrite(0x30000, Bytes.le().u32(~i).array());
                assertArrayEquals(Bytes.le().u32(i).array(), a.memRead(0x20000, 4));
                assertArrayEquals(Bytes.le().u32(~i).array(), b.memRead(0x30000, 4));
            }
            assertEquals(2L, counters().get("sessions"));
        }
    }

    @Test
    void aClientKilledMidRequestCostsOthersNothingAndCountersReturnToZero() throws Exception {
        long hostPagesBefore = platform.kernel().pages().allocatedPages();
        WireClient survivor = guest(tcp);
        WireClient victim = guest(unix);
        victim.call(Op.EVENTFD.code(), Bytes.le().u64(0).array());
        victim.call(Op.MMAP.code(), Bytes.le().u64(1 << 20).u32(3).u32(0).u64(0).array());
        // Replies stay below the server's 1 MiB outbound mark, so it keeps reading this client's
        // requests and the unread replies cannot block the writer: the test is about vanishing.
        for (int i = 0; i < 100; i++) {
            victim.send(Op.MEM_READ.code(), Bytes.le().u64(0).u32(4096).array());
        }
        byte[] half = Bytes.frame(1, Op.MEM_WRITE.code(), Bytes.le().u64(0x40000).u32(64).raw(new byte[64]).array());
        victim.sendRaw(java.util.Arrays.copyOf(half, 30));
        victim.close();
        for (int i = 0; i < 100; i++) {
            survivor.memWrite(0x50000, Bytes.le().u32(i).array());
            assertArrayEquals(Bytes.le().u32(i).array(), survivor.memRead(0x50000, 4));
        }
        awaitSessions(1);
        assertEquals(0L, counters().get("fds"));
        survivor.close();
        awaitSessions(0);
        assertEquals(0L, counters().get("queued_events"));
        assertEquals(hostPagesBefore, platform.kernel().pages().allocatedPages(), "the host stack's own tables stay");
    }

    @Test
    void afterTheByeReplyOtherClientsSeeTheSessionGone() {
        try (WireClient observer = guest(unix)) {
            WireClient leaving = guest(tcp);
            leaving.call(Op.EVENTFD.code(), Bytes.le().u64(0).array());
            leaving.call(Op.BYE.code(), new byte[0]);
            String info = observer.machineInfo();
            assertTrue(info.contains("\"sessions\":1,"), info);
            assertTrue(info.contains("\"fds\":0,"), info);
            leaving.close();
        }
    }

    /** A model whose timer callback throws: the bus fences it when virtual time reaches 1 µs after reset. */
    private static PciPlug fragileDevice() {
        PciDevice device = new PciDevice() {
            private Timer fault;

            @Override
            public FunctionSpec realize(DeviceContext context) {
                fault = context.newTimer("fault", () -> {
                    throw new IllegalStateException("model bug");
                });
                return FunctionSpec.builder(0x1234, 0xBAD0).build();
            }

            @Override
            public void reset() {
                fault.armIn(1000);
            }
        };
        return PciDeviceTypes.define("fragile", "test", new PropertySchema(), v -> device)
                .create(OptionString.parse("fragile,addr=0a.0"));
    }

    @Test
    void aFencedDeviceIsReportedToGuestSessionsAsAnEventLog() {
        try (WireClient guest = guest(tcp); WireClient user = WireClient.connect(unix)) {
            user.hello(0, null);
            server.machineThread().call(() -> platform.machine().components(PciHost.class).get(0)
                    .plug(fragileDevice(), "fragile"));
            int tag = guest.send(Op.CLOCK_STEP.code(), Bytes.le().u64(1000).array());
            WireClient.Frame notice = guest.receive();
            assertTrue(notice.isEvent());
            assertEquals(Op.EVENT_LOG.code(), notice.op());
            assertEquals("vplat: 0000:00:0a.0 fragile fenced: device model failed in timer fault"
                    + " (java.lang.IllegalStateException: model bug)", new String(notice.payload(), StandardCharsets.UTF_8));
            assertEquals(tag, guest.receive().tag(), "the event comes before the reply of the step that caused it");
            int userTag = user.send(Op.EVENTFD.code(), Bytes.le().u64(0).array());
            assertEquals(userTag, user.receive().tag(), "user sessions are not the machine's console");
        }
    }

    @Test
    void eventsReachAWatchingClientBeforeTheReplyOfTheWriteThatCausedThem() {
        try (WireClient c = guest(tcp)) {
            c.call(Op.IRQ_WATCH.code(), Bytes.le().u32(1).array());
            int tag = c.send(Op.MEM_WRITE.code(), Bytes.le().u64(0xFEE0_0000L).u32(4).u32(0x4030).array());
            WireClient.Frame event = c.receive();
            assertTrue(event.isEvent());
            assertEquals(Op.EVENT_MSI.code(), event.op());
            assertEquals(0xFEE0_0000L, event.data().getLong());
            assertEquals(tag, c.receive().tag());
        }
    }

    @Test
    void anOversizeFrameIsAnsweredWithEmsgsizeThenClosed() {
        try (WireClient c = guest(tcp)) {
            c.sendRaw(Bytes.le().u32(12L + (16 << 20) + 1).u32(5).u16(Op.MEM_WRITE.code()).u16(0).u32(0).array());
            WireClient.Frame f = c.receive();
            assertEquals(-Errno.EMSGSIZE.number(), f.result());
            assertThrows(UncheckedIOException.class, c::receive);
        }
    }

    @Test
    void userSessionsGetEaccesForGuestOps() {
        try (WireClient c = WireClient.connect(unix)) {
            c.hello(0, null);
            WireException e = assertThrows(WireException.class, () -> c.memRead(0, 4));
            assertEquals(Errno.EACCES.number(), e.errno());
        }
    }

    @Test
    void textSessionMatchesTheQemu72Transcript() throws IOException {
        List<String> script;
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("qemu72-transcript.txt"))) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("> ") || l.startsWith("< ")).toList();
        }
        ListenAddress a = server.addresses().get(0);
        try (Socket s = new Socket(a.host(), a.port())) {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            for (String line : script) {
                if (line.startsWith("> ")) {
                    out.write((line.substring(2) + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else {
                    assertEquals(line.substring(2), in.readLine());
                }
            }
        }
    }

    @Test
    void aMalformedTextCommandIsFailedWithoutClosing() throws IOException {
        ListenAddress a = server.addresses().get(0);
        try (Socket s = new Socket(a.host(), a.port())) {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            out.write("readl zork\r\nread 0x1000 0\nreadl 0x1000\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("FAIL 'zork' is not a number", in.readLine());
            assertTrue(in.readLine().startsWith("FAIL read: size 0"));
            assertEquals("OK 0x0000000000000000", in.readLine());
        }
    }

    @Test
    void nonLoopbackListenersNeedAToken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                VplatServer.start(platform, ServerOptions.defaults(), List.of(ListenAddress.parse("tcp:0.0.0.0:0"))));
        assertTrue(e.getMessage().contains("--token"), e.getMessage());
    }

    @Test
    void withATokenGuestSessionsMustPresentIt() throws IOException {
        try (VplatServer secured = VplatServer.start(platform, ServerOptions.defaults().withToken("s3cret"),
                List.of(ListenAddress.parse("tcp:0.0.0.0:0")))) {
            String target = "tcp:127.0.0.1:" + secured.addresses().get(0).port();
            try (WireClient c = WireClient.connect(target)) {
                WireException e = assertThrows(WireException.class, () -> c.hello(1, "wrong"));
                assertEquals(Errno.EACCES.number(), e.errno());
                assertThrows(UncheckedIOException.class, c::receive);
            }
            try (WireClient c = WireClient.connect(target)) {
                assertTrue(c.hello(1, "s3cret").contains("\"role\":\"guest\""));
            }
            try (WireClient c = WireClient.connect(target)) {
                assertTrue(c.hello(0, null).contains("\"role\":\"user\""));
            }
            try (Socket s = new Socket("127.0.0.1", secured.addresses().get(0).port())) {
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                out.write("readl 0x0\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("FAIL this server needs 'auth TOKEN' as the first line", in.readLine());
                assertNull(in.readLine());
            }
            try (Socket s = new Socket("127.0.0.1", secured.addresses().get(0).port())) {
                OutputStream out = s.getOutputStream();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                out.write("auth s3cret\nreadl 0x0\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("OK", in.readLine());
                assertEquals("OK 0x0000000000000000", in.readLine());
            }
        }
    }
}
