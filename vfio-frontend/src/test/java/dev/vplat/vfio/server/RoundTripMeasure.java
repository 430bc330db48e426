package dev.vplat.vfio.server;

import dev.vplat.vfio.cli.WireClient;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Not a test: a manual measurement (run its main) of synchronous MMIO-read round trips (MEM_READ
 * of 4 bytes at the MSI window, 28 bytes out, 20 back) over TCP and UNIX sockets, against the
 * floor of a plain blocking Java echo of the same sizes on the same transport.
 */
public final class RoundTripMeasure {
    private static final int WARMUP = 20_000;
    private static final int N = 100_000;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vplat-rt");
        try (Platform p = Platforms.create(PlatformConfig.defaults());
             VplatServer server = VplatServer.start(p, ServerOptions.defaults(), List.of(
                     ListenAddress.parse("tcp:127.0.0.1:0"), ListenAddress.parse("unix:" + dir.resolve("v.sock"))))) {
            for (ListenAddress a : server.addresses()) {
                double vplat = mmioReads(a.toString());
                double echo = echo(a.isUnix() ? "unix" : "tcp", dir);
                System.out.printf("%-4s vplat MEM_READ(4, MMIO) %,10.0f/s   plain echo %,10.0f/s   ratio %.2f%n",
                        a.isUnix() ? "UDS" : "TCP", vplat, echo, vplat / echo);
            }
        }
    }

    private static double mmioReads(String target) {
        try (WireClient c = WireClient.connect(target)) {
            c.hello(1, null);
            for (int i = 0; i < WARMUP; i++) {
                c.memRead(0xFEE0_0000L, 4);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < N; i++) {
                c.memRead(0xFEE0_0000L, 4);
            }
            return N / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static double echo(String kind, Path dir) throws Exception {
        ServerSocketChannel ss;
        SocketChannel client;
        if (kind.equals("unix")) {
            Path sock = dir.resolve("echo.sock");
            ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(sock));
            client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(sock));
        } else {
            ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            client = SocketChannel.open(ss.getLocalAddress());
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        SocketChannel peer = ss.accept();
        if (kind.equals("tcp")) {
            peer.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        Thread t = new Thread(() -> {
            ByteBuffer in = ByteBuffer.allocate(28);
            ByteBuffer out = ByteBuffer.allocate(20);
            try {
                while (true) {
                    in.clear();
                    while (in.hasRemaining()) {
                        if (peer.read(in) < 0) {
                            return;
                        }
                    }
                    out.clear();
                    while (out.hasRemaining()) {
                        peer.write(out);
                    }
                }
            } catch (IOException e) {
                // client gone: the measurement is over
            }
        });
        t.start();
        ByteBuffer req = ByteBuffer.allocate(28);
        ByteBuffer rep = ByteBuffer.allocate(20);
        long t0 = 0;
        for (int i = 0; i < WARMUP + N; i++) {
            if (i == WARMUP) {
                t0 = System.nanoTime();
            }
            req.clear();
            while (req.hasRemaining()) {
                client.write(req);
            }
            rep.clear();
            while (rep.hasRemaining()) {
                client.read(rep);
            }
        }
        double rate = N / ((System.nanoTime() - t0) / 1e9);
        client.close();
        t.join();
        peer.close();
        ss.close();
        return rate;
    }
}
