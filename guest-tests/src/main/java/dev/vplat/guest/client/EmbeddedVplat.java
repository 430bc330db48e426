package dev.vplat.guest.client;

import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.server.ListenAddress;
import dev.vplat.vfio.server.ServerOptions;
import dev.vplat.vfio.server.VplatServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A vplat server running inside this JVM: the platform built from a {@link PlatformConfig} and
 * the real protocol server in front of it, listening on an ephemeral loopback TCP port, a UNIX
 * socket in a fresh temporary directory, or only in-VM (no socket at all: {@link Listen#IN_VM}).
 * Clients ({@link #connect(Role)}) speak the same bytes as to a separate server, so an embedded
 * test exercises what a remote one does.
 *
 * <pre>{@code
 * try (EmbeddedVplat vplat = EmbeddedVplat.start(PlatformConfig.defaults());
 *      VplatClient guest = vplat.connect(Role.GUEST)) {
 *     guest.writel(0x1000, 0xcafe);
 * }
 * }</pre>
 */
public final class EmbeddedVplat implements AutoCloseable {
    /** How clients reach the embedded server. */
    public enum Listen {
        TCP, UNIX,
        /** Through {@link InVmTransport} only: no port, no socket file; {@link #address()} is for messages. */
        IN_VM
    }

    private static final AtomicInteger IN_VM_SERVERS = new AtomicInteger();

    private final Platform platform;
    private final VplatServer server;
    private final String address;
    private final Path socketDir;
    private final String token;
    private final boolean inVm;

    private EmbeddedVplat(Platform platform, VplatServer server, String address, Path socketDir, String token,
                          boolean inVm) {
        this.platform = platform;
        this.server = server;
        this.address = address;
        this.socketDir = socketDir;
        this.token = token;
        this.inVm = inVm;
    }

    /** Builds the platform and serves it on an ephemeral loopback TCP port. */
    public static EmbeddedVplat start(PlatformConfig config) {
        return start(config, Listen.TCP, p -> { });
    }

    /**
     * Builds the platform, lets {@code customize} add to the machine before anything connects
     * (extra devices, trace sinks), and starts serving on {@code listen}.
     */
    public static EmbeddedVplat start(PlatformConfig config, Listen listen, Consumer<Platform> customize) {
        return start(config, listen, customize, ServerOptions.defaults());
    }

    public static EmbeddedVplat start(PlatformConfig config, Listen listen, Consumer<Platform> customize,
                                      ServerOptions options) {
        Platform platform = Platforms.create(config);
        Path dir = null;
        try {
            customize.accept(platform);
            if (listen == Listen.IN_VM) {
                VplatServer server = VplatServer.start(platform, options, List.of());
                return new EmbeddedVplat(platform, server, "in-vm:" + IN_VM_SERVERS.incrementAndGet(), null,
                        options.token(), true);
            }
            ListenAddress where;
            if (listen == Listen.UNIX) {
                dir = Files.createTempDirectory("vplat-");
                where = ListenAddress.parse("unix:" + dir.resolve("vplat.sock"));
            } else {
                where = ListenAddress.parse("tcp:127.0.0.1:0");
            }
            VplatServer server = VplatServer.start(platform, options, List.of(where));
            return new EmbeddedVplat(platform, server, server.addresses().get(0).toString(), dir, options.token(),
                    false);
        } catch (IOException e) {
            platform.close();
            throw new UncheckedIOException("cannot create a directory for the UNIX socket", e);
        } catch (RuntimeException e) {
            platform.close();
            deleteQuietly(dir);
            throw e;
        }
    }

    /**
     * The address clients use, e.g. {@code tcp:127.0.0.1:40123}. An {@link Listen#IN_VM} server
     * has none that a socket client could use; connect through {@link #connect(Role)}.
     */
    public String address() {
        return address;
    }

    /**
     * The platform being served. Its machine belongs to the server's machine thread: inspect it
     * from a test only through {@link #onMachineThread} (the trace is safe from any thread).
     */
    public Platform platform() {
        return platform;
    }

    /** Runs {@code work} on the machine thread, between requests, and returns its result. */
    public <T> T onMachineThread(java.util.concurrent.Callable<T> work) {
        return server.machineThread().call(work);
    }

    /** The last lines of the machine trace (categories enabled by the config's {@code trace}). */
    public List<String> traceTail() {
        return platform.machine().trace().tail();
    }

    /** A new session with {@code role}, named after the caller's class. */
    public VplatClient connect(Role role) {
        return connect(role, "embedded");
    }

    public VplatClient connect(Role role, String name) {
        VplatClient.Builder b = VplatClient.builder().role(role).name(name).token(token);
        return (inVm ? b.transport(InVmTransport.connect(server)) : b.address(address)).connect();
    }

    /** Stops the server (every session exits), then closes the platform. */
    @Override
    public void close() {
        try {
            server.close();
        } finally {
            platform.close();
            deleteQuietly(socketDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
