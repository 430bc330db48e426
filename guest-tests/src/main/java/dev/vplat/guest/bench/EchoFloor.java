package dev.vplat.guest.bench;

import dev.vplat.guest.client.Address;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The transport floor: a plain blocking Java socket server that answers every request of a
 * {@link WireShape} with a reply of the real reply's size and does nothing else — one thread
 * per connection, one read and one write per burst, TCP_NODELAY on. A vplat round trip can only
 * approach this; the ratio to it is what the server's own work costs.
 */
final class EchoFloor implements AutoCloseable {
    private final ServerSocketChannel server;
    private final WireShape shape;
    private final Address address;
    private final Path socketFile;
    private final List<SocketChannel> connections = new CopyOnWriteArrayList<>();

    private EchoFloor(ServerSocketChannel server, WireShape shape, Address address, Path socketFile) {
        this.server = server;
        this.shape = shape;
        this.address = address;
        this.socketFile = socketFile;
        Thread acceptor = new Thread(this::acceptLoop, "bench-floor-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A floor on an ephemeral loopback TCP port. */
    static EchoFloor tcp(WireShape shape) {
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
            return new EchoFloor(s, shape, Address.tcp("127.0.0.1", port), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the TCP floor server", e);
        }
    }

    /** A floor on a UNIX socket in {@code dir}. */
    static EchoFloor unix(WireShape shape, Path dir) {
        try {
            Path file = Files.createTempFile(dir, "floor-", ".sock");
            Files.delete(file);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(file));
            return new EchoFloor(s, shape, Address.unix(file), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the UNIX floor server in " + dir, e);
        }
    }

    Address address() {
        return address;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                if (!(c.getLocalAddress() instanceof UnixDomainSocketAddress)) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                connections.add(c);
                Thread t = new Thread(() -> serve(c), "bench-floor-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel c) {
        byte[] reply = shape.floorReply();
        ByteBuffer in = ByteBuffer.allocateDirect(1 << 20);
        ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
        try (c) {
            while (c.read(in) >= 0) {
                in.flip();
                int n = shape.consumeRequests(in);
                in.compact();
                out.clear();
                for (int i = 0; i < n; i++) {
                    if (out.remaining() < reply.length) {
                        flush(c, out);
                    }
                    out.put(reply);
                }
                flush(c, out);
            }
        } catch (IOException e) {
            // the client went away: the connection's work is over
        }
    }

    private static void flush(SocketChannel c, ByteBuffer out) throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            c.write(out);
        }
        out.clear();
    }

    @Override
    public void close() {
        try {
            server.close();
            for (SocketChannel c : connections) {
                c.close();
            }
            if (socketFile != null) {
                Files.deleteIfExists(socketFile);
            }
        } catch (IOException ignored) {
            // a floor server that fails to close leaves only a daemon thread behind
        }
    }
}
