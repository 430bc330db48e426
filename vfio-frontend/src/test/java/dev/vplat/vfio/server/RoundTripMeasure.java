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
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: a manual measurement (run its main, optionally with the number of rounds) of
 * synchronous MMIO-read round trips (MEM_READ of 4 bytes at the MSI window, 28 bytes out, 20
 * back) over TCP and UNIX sockets, against the floor of a plain blocking Java echo of the same
 * sizes on the same transport. Rounds of vplat and echo alternate so that load from elsewhere on
 * the machine hits both alike; the medians and the median of the per-round ratios are printed.
 * Every round trip is also timed on its own: on a busy machine the rate mostly measures the
 * scheduler, while the 10th and 50th percentile latencies still show the path itself, so their
 * ratios (echo latency / vplat latency, i.e. as rates) are printed too.
 */
public final class RoundTripMeasure {
    private static final int WARMUP = 20_000;
    private static final int PER_ROUND = 20_000;
    private static final long MSI_WINDOW = 0xFEE0_0000L;

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path dir = Files.createTempDirectory("vplat-rt");
        try (Platform p = Platforms.create(PlatformConfig.defaults());
             VplatServer server = VplatServer.start(p, ServerOptions.defaults(), List.of(
                     ListenAddress.parse("tcp:127.0.0.1:0"), ListenAddress.parse("unix:" + dir.resolve("v.sock"))))) {
            for (ListenAddress a : server.addresses()) {
                measure(a, rounds, dir);
            }
        }
    }

    private static void measure(ListenAddress a, int rounds, Path dir) throws Exception {
        double[] vplat = new double[rounds];
        double[] echo = new double[rounds];
        double[] ratio = new double[rounds];
        long[] vplatNs = new long[rounds * PER_ROUND];
        long[] echoNs = new long[rounds * PER_ROUND];
        try (WireClient c = WireClient.connect(a.toString()); Echo e = new Echo(a.isUnix(), dir)) {
            c.hello(1, null);
            mmioReads(c, new long[WARMUP], 0, WARMUP);
            e.roundTrips(new long[WARMUP], 0, WARMUP);
            for (int r = 0; r < rounds; r++) {
                vplat[r] = mmioReads(c, vplatNs, r * PER_ROUND, PER_ROUND);
                echo[r] = e.roundTrips(echoNs, r * PER_ROUND, PER_ROUND);
                ratio[r] = vplat[r] / echo[r];
            }
        }
        Arrays.sort(vplatNs);
        Arrays.sort(echoNs);
        System.out.printf("%-4s vplat MEM_READ(4, MMIO) %,10.0f/s   plain echo %,10.0f/s   ratio %.2f  (per round %s)%n"
                        + "     latency p10 %.1f / %.1f us (ratio %.2f)   p50 %.1f / %.1f us (ratio %.2f)%n",
                a.isUnix() ? "UDS" : "TCP", median(vplat), median(echo), median(ratio),
                Arrays.toString(Arrays.stream(ratio).map(x -> Math.round(x * 100) / 100.0).toArray()),
                micros(vplatNs, 10), micros(echoNs, 10), micros(echoNs, 10) / micros(vplatNs, 10),
                micros(vplatNs, 50), micros(echoNs, 50), micros(echoNs, 50) / micros(vplatNs, 50));
    }

    private static double micros(long[] sorted, int percentile) {
        return sorted[sorted.length * percentile / 100] / 1e3;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** {@code n} round trips, each one's time stored from {@code at}; returns the rate. */
    private static double mmioReads(WireClient c, long[] ns, int at, int n) {
        long t0 = System.nanoTime();
        long t = t0;
        for (int i = 0; i < n; i++) {
            c.memRead(MSI_WINDOW, 4);
            long now = System.nanoTime();
            ns[at + i] = now - t;
            t = now;
        }
        return n / ((t - t0) / 1e9);
    }

    /** A blocking echo server thread and its client: the floor a round trip cannot beat. */
    private static final class Echo implements AutoCloseable {
        private final ServerSocketChannel ss;
        private final SocketChannel client;
        private final SocketChannel peer;
        private final Thread thread;
        private final ByteBuffer req = ByteBuffer.allocate(28);
        private final ByteBuffer rep = ByteBuffer.allocate(20);

        Echo(boolean unix, Path dir) throws IOException {
            if (unix) {
                Path sock = dir.resolve("echo.sock");
                ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(sock));
                client = SocketChannel.open(StandardProtocolFamily.UNIX);
                client.connect(UnixDomainSocketAddress.of(sock));
            } else {
                ss = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                client = SocketChannel.open(ss.getLocalAddress());
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            peer = ss.accept();
            if (!unix) {
                peer.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            thread = new Thread(this::serve, "echo");
            thread.start();
        }

        private void serve() {
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
        }

        double roundTrips(long[] ns, int at, int n) throws IOException {
            long t0 = System.nanoTime();
            long t = t0;
            for (int i = 0; i < n; i++) {
                req.clear();
                while (req.hasRemaining()) {
                    client.write(req);
                }
                rep.clear();
                while (rep.hasRemaining()) {
                    client.read(rep);
                }
                long now = System.nanoTime();
                ns[at + i] = now - t;
                t = now;
            }
            return n / ((t - t0) / 1e9);
        }

        @Override
        public void close() throws Exception {
            client.close();
            thread.join();
            peer.close();
            ss.close();
        }
    }
}
