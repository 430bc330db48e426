package dev.vplat.vfio.server;

import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves one {@link Platform} over the wire protocol: TCP and UNIX-domain sockets through
 * Netty's native epoll transport where it loads (else through the JDK's NIO, domain sockets
 * included), binary or text mode per connection. Network threads only frame, decode and encode;
 * every request runs on the single {@link MachineThread}.
 */
public final class VplatServer implements AutoCloseable {
    private final Platform platform;
    private final ServerHealth health = new ServerHealth();
    private final MachineThread machine = new MachineThread(health);
    private final SessionManager sessions;
    private final ServerOptions options;
    private final OpTable table;
    private final AtomicLong queuedEvents = new AtomicLong();
    private final ChannelGroup connections = new DefaultChannelGroup("vplat-connections", GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final List<ListenAddress> bound = new ArrayList<>();
    private EventLoopGroup group;
    private EventLoopGroup inVmGroup;
    private Channel inVmListener;
    private boolean closed;

    private VplatServer(Platform platform, ServerOptions options) {
        this.platform = platform;
        this.options = options;
        this.sessions = machine.call(() -> {
            SessionManager m = new SessionManager(platform, options, health);
            platform.kernel().counter("queued_events", queuedEvents::get);
            return m;
        });
        this.table = new OpTable(sessions);
        if (platform.config().clock() == ClockMode.REALTIME) {
            machine.followWallClock(platform.machine().clock());
        }
    }

    /**
     * Starts listening on every address. A non-loopback TCP address without a token is refused
     * before anything is bound (PROTOCOL.md "Transports").
     *
     * @throws IllegalArgumentException for the token rule or a busy UNIX socket path
     */
    public static VplatServer start(Platform platform, ServerOptions options, List<ListenAddress> addresses) {
        for (ListenAddress a : addresses) {
            if (!a.isLocal() && options.token() == null) {
                throw new IllegalArgumentException(a + " is reachable from other hosts: start the server with --token SECRET"
                        + " (guest sessions must then present it), or listen on a loopback address");
            }
        }
        VplatServer server = new VplatServer(platform, options);
        try {
            for (ListenAddress a : addresses) {
                server.bind(a);
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Where the server listens, with ephemeral ports resolved ({@code tcp:127.0.0.1:40123}). */
    public List<ListenAddress> addresses() {
        return List.copyOf(bound);
    }

    /** The open connections, each a session (diagnostics and tests: e.g. their outbound buffers). */
    Collection<Channel> connections() {
        return List.copyOf(connections);
    }

    /** Internal errors the server survived (the {@code internal_errors} counter). */
    public ServerHealth health() {
        return health;
    }

    public MachineThread machineThread() {
        return machine;
    }

    public Platform platform() {
        return platform;
    }

    /** Whether sockets use Netty's native epoll transport (else the JDK's NIO, domain sockets included). */
    public static boolean nativeTransport() {
        try {
            return Epoll.isAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    private void bind(ListenAddress a) {
        boolean epoll = nativeTransport();
        ServerBootstrap b = new ServerBootstrap()
                .group(group())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(options.writeLowWaterMark(), options.writeHighWaterMark()))
                .childHandler(connectionInitializer());
        if (a.isUnix()) {
            deleteStaleSocket(a);
            if (epoll) {
                b.channel(EpollServerDomainSocketChannel.class);
                listeners.add(b.bind(new DomainSocketAddress(a.path().toFile())).syncUninterruptibly().channel());
            } else {
                b.channel(NioServerDomainSocketChannel.class);
                listeners.add(b.bind(UnixDomainSocketAddress.of(a.path())).syncUninterruptibly().channel());
            }
            bound.add(a);
        } else {
            b.channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true);
            Channel ch = b.bind(a.host(), a.port()).syncUninterruptibly().channel();
            listeners.add(ch);
            bound.add(new ListenAddress(a.host(), ((InetSocketAddress) ch.localAddress()).getPort(), null));
        }
    }

    /**
     * The network threads, made on first use: native epoll where it loads, else NIO; either way
     * behind {@link ReplySpin}, so a loop waiting for the machine thread's reply does not block
     * in the kernel.
     */
    private EventLoopGroup group() {
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(ReplySpin.around(
                    nativeTransport() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory()));
        }
        return group;
    }

    /**
     * Opens a connection to this server inside the JVM, without a socket: a Netty
     * {@link LocalChannel} whose peer gets the same pipeline as a socket connection (so the
     * client sends {@code VPL1} and frames, and the server applies every rule it applies to a
     * socket). {@code client} is the client end's handler; it receives the server's bytes as
     * {@code ByteBuf}s. Both ends live on one event loop thread of their own, so a write is
     * handed to the peer without a thread hop.
     *
     * <p>Unlike a socket there are no kernel buffers between the ends: the server's outbound
     * bytes go straight into the client's inbound queue, so a client of this transport must keep
     * reading, and bounds its own requests in flight.
     */
    public synchronized Channel connectInVm(ChannelHandler client) {
        if (closed) {
            throw new IllegalStateException("the server is closed");
        }
        if (inVmListener == null) {
            inVmGroup = new MultiThreadIoEventLoopGroup(1, ReplySpin.around(LocalIoHandler.newFactory()));
            inVmListener = new ServerBootstrap().group(inVmGroup).channel(LocalServerChannel.class)
                    .childHandler(connectionInitializer())
                    .bind(new LocalAddress(VplatServer.class)).syncUninterruptibly().channel();
        }
        return new Bootstrap().group(inVmGroup).channel(LocalChannel.class).handler(client)
                .connect(inVmListener.localAddress()).syncUninterruptibly().channel();
    }

    private ChannelInitializer<Channel> connectionInitializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                connections.add(ch);
                ch.pipeline().addLast("mode", new ModeSelector(modes()));
            }
        };
    }

    private ModeSelector.Modes modes() {
        return new ModeSelector.Modes() {
            @Override
            public void binary(ChannelHandlerContext ctx) {
                ChannelPipeline p = ctx.pipeline();
                p.addLast("frames", new FrameDecoder(options.maxPayload()));
                p.addLast("requests", new RequestDecoder(table));
                p.addLast("encoder", new BinaryEncoder());
                p.addLast("dispatch", new Dispatcher(machine, new BinaryExecutor(sessions), options,
                        BinaryEncoder::wireSize, queuedEvents, health));
            }

            @Override
            public void text(ChannelHandlerContext ctx) {
                ChannelPipeline p = ctx.pipeline();
                p.addLast("lines", new LineBasedFrameDecoder(TextExecutor.lineLimit(options), true, false));
                p.addLast("commands", new TextCommandDecoder());
                p.addLast("encoder", new TextEncoder());
                p.addLast("dispatch", new Dispatcher(machine, new TextExecutor(sessions), options,
                        TextEncoder::wireSize, queuedEvents, health));
            }
        };
    }

    /** A socket file nobody accepts on is left over from a crashed server; a live one is an error. */
    private static void deleteStaleSocket(ListenAddress a) {
        if (!Files.exists(a.path())) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(a.path()));
            throw new IllegalArgumentException(a + " is in use by a running server; stop it or choose another path");
        } catch (IOException refused) {
            try {
                Files.delete(a.path());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove stale socket " + a.path(), e);
            }
        }
    }

    /**
     * Stops listening, closes every connection (each session's process exits on the machine
     * thread, behind its queued requests), then stops the network and machine threads. The
     * platform stays open; its owner closes it.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (inVmListener != null) {
                inVmListener.close().awaitUninterruptibly();
            }
        }
        for (Channel l : listeners) {
            l.close().awaitUninterruptibly();
        }
        connections.close().awaitUninterruptibly();
        for (EventLoopGroup g : new EventLoopGroup[]{group, inVmGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            }
        }
        machine.call(() -> {
            sessions.detach();
            return null;
        });
        machine.close();
        for (ListenAddress a : bound) {
            if (a.isUnix()) {
                try {
                    Files.deleteIfExists(a.path());
                } catch (IOException e) {
                    System.err.println("vplat: could not remove " + a.path() + ": " + e.getMessage());
                }
            }
        }
    }
}
