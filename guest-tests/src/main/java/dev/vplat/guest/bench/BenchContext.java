package dev.vplat.guest.bench;

import dev.vplat.guest.client.Address;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What every bench section shares in one run: the measurement budget, a scratch directory for
 * sockets, the QEMU binary if there is one, and one vplat server (the default q35 machine)
 * served in this process on loopback TCP and a UNIX socket. Baselines measured once are cached
 * by name so that two rows comparing against the same floor use the same figure.
 */
final class BenchContext implements AutoCloseable {
    private final Meter meter;
    private final BenchSettings settings;
    private final Path scratch;
    private final Map<String, Double> cached = new HashMap<>();
    private Platform platform;
    private VplatServer server;
    private Platform local;

    BenchContext(BenchSettings settings) {
        this.settings = settings;
        this.meter = new Meter(settings.measurement());
        try {
            this.scratch = Files.createTempDirectory("vplat-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory", e);
        }
    }

    Meter meter() {
        return meter;
    }

    BenchSettings settings() {
        return settings;
    }

    Path scratch() {
        return scratch;
    }

    Optional<Path> qemu() {
        return settings.qemu();
    }

    /** The figure {@code name} measured earlier in this run, or measured now. */
    double once(String name, Supplier<Double> measure) {
        Double v = cached.get(name);
        if (v == null) {
            v = measure.get();
            cached.put(name, v);
        }
        return v;
    }

    /** The vplat server's TCP address. */
    Address vplatTcp() {
        return Address.parse(server().addresses().get(0).toString());
    }

    /** The vplat server's UNIX socket address. */
    Address vplatUnix() {
        return Address.parse(server().addresses().get(1).toString());
    }

    /**
     * A second default q35 platform, not served: in-process measurements call into it directly
     * from the bench thread, which then is its only thread.
     */
    Platform inProcess() {
        if (local == null) {
            local = Platforms.create(PlatformConfig.defaults());
        }
        return local;
    }

    private VplatServer server() {
        if (server == null) {
            platform = Platforms.create(PlatformConfig.defaults());
            server = VplatServer.start(platform, ServerOptions.defaults(), List.of(
                    ListenAddress.parse("tcp:127.0.0.1:0"), ListenAddress.parse("unix:" + scratch.resolve("vplat.sock"))));
        }
        return server;
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            if (platform != null) {
                platform.close();
            }
            if (local != null) {
                local.close();
            }
            try (Stream<Path> files = Files.walk(scratch)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a leftover scratch directory in /tmp is harmless
            }
        }
    }
}
