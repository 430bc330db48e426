package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeWriter;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A scripted stand-in for the server, one connection at a time, speaking real frames over a real
 * socket: it checks the magic, answers HELLO, and hands every other request to the test's
 * {@link Handler}, which replies and sends events as it likes (in any order).
 */
final class FakeServer implements AutoCloseable {
    interface Handler {
        void handle(Session s, Frame request) throws IOException;
    }

    /** The server end of one connection. */
    static final class Session {
        private final SocketChannel ch;
        final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();

        Session(SocketChannel ch) {
            this.ch = ch;
        }

        synchronized void send(Frame f) throws IOException {
            ByteBuffer b = FrameCodec.encode(f);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        void reply(Frame req, int result, byte[] payload) throws IOException {
            send(new Frame(req.tag(), req.op(), Frame.FLAG_REPLY, result, payload));
        }

        void error(Frame req, int errno, String message, byte[] data) throws IOException {
            byte[] m = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            reply(req, -errno, new LeWriter().u16(m.length).bytes(m).bytes(data).toBytes());
        }

        void event(Op op, byte[] payload) throws IOException {
            send(new Frame(0, op.code(), Frame.FLAG_EVENT, 0, payload));
        }

        void hangUp() throws IOException {
            ch.close();
        }
    }

    private final ServerSocketChannel server;
    private final Thread thread;
    private final String address;
    final BlockingQueue<Frame> hellos = new LinkedBlockingQueue<>();
    volatile Session session;

    private FakeServer(ServerSocketChannel server, String address, Handler handler) {
        this.server = server;
        this.address = address;
        this.thread = new Thread(() -> serve(handler), "fake-vplat-server");
        thread.setDaemon(true);
        thread.start();
    }

    static FakeServer tcp(Handler handler) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        return new FakeServer(s, "tcp:127.0.0.1:" + port, handler);
    }

    static FakeServer unix(Path socket, Handler handler) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(socket));
        return new FakeServer(s, "unix:" + socket, handler);
    }

    String address() {
        return address;
    }

    private void serve(Handler handler) {
        try {
            while (true) {
                SocketChannel ch = server.accept();
                Session s = new Session(ch);
                session = s;
                try {
                    ByteBuffer magic = ByteBuffer.allocate(4);
                    while (magic.hasRemaining() && ch.read(magic) >= 0) {
                        // read the four magic bytes
                    }
                    if (!new String(magic.array(), java.nio.charset.StandardCharsets.US_ASCII).equals("VPL1")) {
                        ch.close();
                        continue;
                    }
                    FrameCodec in = new FrameCodec(ch, FrameCodec.DEFAULT_MAX_PAYLOAD);
                    Frame f;
                    while ((f = in.read()) != null) {
                        s.received.add(f);
                        if (f.op() == Op.HELLO.code()) {
                            hellos.add(f);
                            s.reply(f, 0, new LeWriter().u16(1).u16(0).utf8(
                                    "{\"server\":\"vplat\",\"version\":\"test\",\"machine\":\"q35\","
                                            + "\"max_payload\":16777216,\"role\":\"guest\",\"session\":7}").toBytes());
                        } else if (f.op() == Op.BYE.code()) {
                            s.reply(f, 0, new byte[0]);
                            ch.close();
                            break;
                        } else {
                            handler.handle(s, f);
                        }
                    }
                } catch (IOException e) {
                    ch.close();
                }
            }
        } catch (IOException closed) {
            // server socket closed: the test is over
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Session s = session;
        if (s != null) {
            s.hangUp();
        }
    }
}
