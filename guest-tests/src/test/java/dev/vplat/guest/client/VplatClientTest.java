package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class VplatClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private FakeServer server;
    private VplatClient client;

    @AfterEach
    void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private VplatClient connect(FakeServer.Handler handler) throws IOException {
        server = FakeServer.tcp(handler);
        client = VplatClient.builder().address(server.address()).role(Role.USER).name("unit").token("s3cret").connect();
        return client;
    }

    @Test
    void helloCarriesVersionRoleAndJsonWithNameAndToken() throws Exception {
        connect((s, f) -> { });
        Frame hello = server.hellos.poll(10, TimeUnit.SECONDS);
        LeReader r = new LeReader(hello.payload());
        assertEquals(1, r.u16());
        assertEquals(0, r.u16());
        assertEquals(Role.USER.wire(), r.u32());
        assertEquals(Json.parseObject("{\"client\":\"unit\",\"token\":\"s3cret\"}"), Json.parseObject(r.utf8(r.remaining())));
        assertEquals(7, client.hello().session());
        assertEquals("q35", client.hello().machine());
    }

    @Test
    void helloRefusedWithEaccesThrowsAndClosesTheSession() throws IOException {
        // A server that refuses HELLO: answer EACCES, then hang up.
        try (var ss = java.nio.channels.ServerSocketChannel.open().bind(new java.net.InetSocketAddress("127.0.0.1", 0))) {
            int port = ((java.net.InetSocketAddress) ss.getLocalAddress()).getPort();
            Thread t = new Thread(() -> {
                try (var ch = ss.accept()) {
                    ch.read(java.nio.ByteBuffer.allocate(4));
                    Frame hello = new FrameCodec(ch, 1 << 20).read();
                    FakeServer.Session s = new FakeServer.Session(ch);
                    s.error(hello, Errno.EACCES.number(), "bad token", new byte[0]);
                } catch (IOException ignored) {
                    // test ends either way
                }
            });
            t.start();
            VplatException e = assertThrows(VplatException.class,
                    () -> VplatClient.builder().address("tcp:127.0.0.1:" + port).token("wrong").connect());
            assertTrue(e.is(Errno.EACCES));
            assertEquals("bad token", e.serverMessage());
        }
    }

    @Test
    void errorReplyBecomesExceptionWithErrnoNameMessageAndStructBytes() throws IOException {
        byte[] leftByKernel = Uapi.encode(new IommuIoasMap(40, 6, 1, 0, 0x10000, 0x1000, 0));
        connect((s, f) -> s.error(f, Errno.EOPNOTSUPP.number(), "__reserved must be 0", leftByKernel));
        VplatException e = assertThrows(VplatException.class,
                () -> client.ioctl(3, IommufdIoctl.IOMMU_IOAS_MAP, leftByKernel));
        assertEquals(95, e.errno());
        assertEquals("EOPNOTSUPP", e.errnoName());
        assertEquals("__reserved must be 0", e.serverMessage());
        assertArrayEquals(leftByKernel, e.errorData());
        assertEquals(Op.IOCTL.code(), e.op());
    }

    @Test
    void blockingCallRethrowsWithTheCallersStack() throws IOException {
        connect((s, f) -> s.error(f, Errno.EINVAL.number(), "", new byte[0]));
        VplatException e = assertThrows(VplatException.class, () -> client.clockSet(1));
        assertTrue(List.of(e.getStackTrace()).stream()
                .anyMatch(el -> el.getMethodName().equals("blockingCallRethrowsWithTheCallersStack")));
    }

    @Test
    void requestsAreEncodedAsTheProtocolTableSays() throws Exception {
        connect((s, f) -> s.reply(f, 0, f.op() == Op.MMAP.code() ? new LeWriter().u64(0x7000_0000L).toBytes() : new byte[0]));
        client.writel(0xfed90018L, 0x8000_0000);
        client.async().pwrite(5, 7L << 40, new byte[]{1, 2}).get();
        long uva = client.async().mmap(0x2000, AsyncClient.PROT_READ, 0x10000).get();
        assertEquals(0x7000_0000L, uva);
        List<Frame> seen = new ArrayList<>();
        server.session.received.drainTo(seen);
        assertArrayEquals(new LeWriter().u64(0xfed90018L).u32(4).u32(0x8000_0000).toBytes(), seen.get(1).payload());
        assertArrayEquals(new LeWriter().u32(5).u32(0).u64(7L << 40).u8(1).u8(2).toBytes(), seen.get(2).payload());
        assertArrayEquals(new LeWriter().u64(0x2000).u32(1).u32(0).u64(0x10000).toBytes(), seen.get(3).payload());
    }

    @Test
    void tagsMatchRepliesEvenWhenTheyArriveInAnotherOrder() throws Exception {
        List<Frame> held = new ArrayList<>();
        connect((s, f) -> {
            held.add(f);
            if (held.size() == 100) {
                for (int i = held.size() - 1; i >= 0; i--) {
                    Frame r = held.get(i);
                    long addr = new LeReader(r.payload()).u64();
                    s.reply(r, 0, new LeWriter().u32((int) addr * 3).toBytes());
                }
                held.clear();
            }
        });
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            futures.add(client.async().read(i, 4));
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(i * 3L, futures.get(i).get(10, TimeUnit.SECONDS));
        }
        assertEquals(0, client.inFlight());
    }

    @Test
    void eventsInterleavedWithRepliesReachListenersAndAwaitHelpersInOrder() throws Exception {
        connect((s, f) -> {
            s.event(Op.EVENT_MSI, new LeWriter().u64(0xfee00000L).u32(0x41).u16(0x18).toBytes());
            s.event(Op.EVENT_EVENTFD, new LeWriter().u32(4).u64(2).toBytes());
            s.reply(f, 0, new LeWriter().u64(1000).toBytes());
            s.event(Op.EVENT_INTX, new LeWriter().u16(0x18).u8(1).u8(1).toBytes());
            s.event(Op.EVENT_LOG, "hello there".getBytes(StandardCharsets.UTF_8));
        });
        List<Event> heard = new CopyOnWriteArrayList<>();
        CountDownLatch four = new CountDownLatch(4);
        client.addListener(e -> {
            heard.add(e);
            four.countDown();
        });
        assertEquals(1000, client.clockStep(1000));
        assertEquals(new Event.Eventfd(4, 2), client.awaitEventfd(4, WAIT));
        assertEquals(new Event.Msi(0xfee00000L, 0x41, 0x18), client.awaitMsi(WAIT));
        assertEquals(new Event.Intx(0x18, 1, true), client.awaitIntx(WAIT));
        assertEquals("hello there", client.awaitLog(WAIT).line());
        assertTrue(four.await(10, TimeUnit.SECONDS));
        assertEquals(new Event.Msi(0xfee00000L, 0x41, 0x18), heard.get(0));
        assertInstanceOf(Event.Log.class, heard.get(3));
    }

    @Test
    void awaitForAnEventNobodySentTimesOut() throws IOException {
        connect((s, f) -> { });
        assertThrows(EventTimeoutException.class, () -> client.awaitEventfd(9, Duration.ofMillis(1)));
    }

    @Test
    void serverHangingUpFailsRequestsInFlightWithItsLastLogLine() throws Exception {
        connect((s, f) -> {
            s.event(Op.EVENT_LOG, "session closed: machine reset by admin".getBytes(StandardCharsets.UTF_8));
            s.hangUp();
        });
        CompletableFuture<MachineInfo> pending = client.async().machineInfo();
        Exception e = assertThrows(Exception.class, () -> pending.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ClientClosedException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("machine reset by admin"), e.getCause().getMessage());
        assertThrows(ClientClosedException.class, () -> client.machineReset());
        assertFalse(client.isOpen());
    }

    @Test
    void batchFailureCarriesTheValuesDoneSoFar() throws IOException {
        connect((s, f) -> {
            LeReader r = new LeReader(f.payload());
            int count = r.u32();
            assertEquals(3, count);
            s.error(f, Errno.EACCES.number(), "entry 2: IOMMU unit owned by host",
                    new LeWriter().u64(0x11e81234L).u64(0).toBytes());
        });
        Batch b = new Batch().readl(0xb0000000L).writel(0xb0000004L, 6).writel(0xfed90018L, 1);
        VplatException e = assertThrows(VplatException.class, () -> client.batch(b));
        assertArrayEquals(new long[]{0x11e81234L, 0}, Batch.valuesDone(e));
    }

    @Test
    void unixSocketTransportWorksLikeTcp(@TempDir Path dir) throws IOException {
        server = FakeServer.unix(dir.resolve("vplat.sock"), (s, f) -> s.reply(f, 0, new LeWriter().u32(0xc0de).toBytes()));
        client = VplatClient.connect(server.address(), Role.GUEST);
        assertEquals(0xc0de, client.inw(0xcfc));
    }

    @Test
    void ioctlWithInlineStructReturnsResultAndStructAsLeft() throws IOException {
        connect((s, f) -> {
            if (f.op() != Op.IOCTL.code()) {
                s.reply(f, 0, new byte[0]);
                return;
            }
            LeReader r = new LeReader(f.payload());
            int fd = r.u32();
            int request = r.u32();
            int kind = r.u32();
            r.skip(4);
            byte[] struct = r.rest();
            assertEquals(3, fd);
            assertEquals(0x3b81, request);
            assertEquals(1, kind);
            struct[8] = 1; // out_ioas_id = 1
            s.reply(f, 0, struct);
        });
        try (Iommufd iommufd = new Iommufd(client, 3)) {
            assertEquals(1, iommufd.ioasAlloc());
        }
    }

    /** A server that records each inline IOCTL struct as sent and answers with it as {@code kernel} leaves it. */
    private BlockingQueue<byte[]> ioctlStructsAnsweredWith(Consumer<ByteBuffer> kernel) throws IOException {
        BlockingQueue<byte[]> structs = new LinkedBlockingQueue<>();
        connect((s, f) -> {
            if (f.op() != Op.IOCTL.code()) {
                s.reply(f, 0, new byte[0]);
                return;
            }
            byte[] struct = new LeReader(f.payload()).skip(16).rest();
            structs.add(struct.clone());
            kernel.accept(ByteBuffer.wrap(struct).order(ByteOrder.LITTLE_ENDIAN));
            s.reply(f, 0, struct);
        });
        return structs;
    }

    @Test
    void bindIommufdSendsTheSixteenByteMinszAndReturnsOutDevid() throws Exception {
        BlockingQueue<byte[]> sent = ioctlStructsAnsweredWith(b -> b.putInt(12, 9));
        try (Iommufd iommufd = new Iommufd(client, 3); VfioDevice dev = new VfioDevice(client, 4)) {
            assertEquals(9, dev.bindIommufd(iommufd));
        }
        // struct vfio_device_bind_iommufd up to out_devid (device_cdev.c minsz): argsz 16, flags 0, iommufd 3
        assertArrayEquals(new LeWriter().u32(16).u32(0).u32(3).u32(0).toBytes(), sent.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void setIrqEventfdsSendsArgszCoveringHeaderAndOneS32PerEventfd() throws Exception {
        BlockingQueue<byte[]> sent = ioctlStructsAnsweredWith(b -> { });
        try (VfioDevice dev = new VfioDevice(client, 4)) {
            dev.setIrqEventfds(2, 0, 5, -1);
        }
        // argsz 28, DATA_EVENTFD | ACTION_TRIGGER, index 2 (MSI-X), start 0, count 2, then the s32 fds
        assertArrayEquals(new LeWriter().u32(28).u32((1 << 2) | (1 << 5)).u32(2).u32(0).u32(2).u32(5).u32(-1).toBytes(),
                sent.poll(10, TimeUnit.SECONDS));
    }
}
