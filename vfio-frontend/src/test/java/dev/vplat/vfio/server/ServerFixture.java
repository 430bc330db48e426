package dev.vplat.vfio.server;

import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.util.ArrayList;
import java.util.List;

/**
 * A small platform (64 MiB, pool in the upper 32 MiB) with the session machinery, driven from
 * the test thread: requests are decoded through the real {@link RequestDecoder} and executed by
 * {@link BinaryExecutor} exactly as the machine thread would.
 */
final class ServerFixture implements SessionLink {
    static final long MEMORY = 64L << 20;

    final Platform platform = Platforms.create(PlatformConfig.defaults().withMemory(MEMORY));
    final SessionManager sessions;
    final OpTable table;
    final BinaryExecutor executor;
    final List<Event> events = new ArrayList<>();
    private final EmbeddedChannel decoder;

    ServerFixture() {
        this(ServerOptions.defaults());
    }

    ServerFixture(ServerOptions options) {
        sessions = new SessionManager(platform, options);
        table = new OpTable(sessions);
        executor = new BinaryExecutor(sessions);
        decoder = new EmbeddedChannel(new RequestDecoder(table));
    }

    Session newSession() {
        return new Session(this);
    }

    Inbound decode(int op, byte[] payload) {
        decoder.writeInbound(new RawFrame(42, op, 0, Unpooled.wrappedBuffer(payload)));
        return decoder.readInbound();
    }

    Outcome run(Session s, Op op, byte[] payload) {
        return executor.execute(s, decode(op.code(), payload));
    }

    /** Runs and returns the reply frame's content. */
    Reply call(Session s, Op op, byte[] payload) {
        return (Reply) run(s, op, payload).message();
    }

    static byte[] hello(int major, int role, String json) {
        return Bytes.le().u16(major).u16(0).u32(role).utf8(json).array();
    }

    Session guest() {
        Session s = newSession();
        call(s, Op.HELLO, hello(1, 1, "{}"));
        return s;
    }

    Session user() {
        Session s = newSession();
        call(s, Op.HELLO, hello(1, 0, "{}"));
        return s;
    }

    @Override
    public void complete(Outcome outcome, int wireSize) {
        throw new AssertionError("the fixture reads outcomes directly");
    }

    @Override
    public void event(Event event) {
        events.add(event);
    }

    @Override
    public boolean holdIfBacklogged() {
        return false;
    }
}
