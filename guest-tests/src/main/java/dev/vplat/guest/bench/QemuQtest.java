package dev.vplat.guest.bench;

import dev.vplat.guest.client.Address;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU started the way libqtest starts one, for the same workload as vplat's: stopped CPUs
 * ({@code -S}), q35 with intel-iommu and edu, the qtest protocol on a UNIX socket or loopback
 * TCP port, no display, no default devices. {@code -qtest-log /dev/null} keeps QEMU from
 * logging every command to stderr, which would slow it down for nothing.
 */
final class QemuQtest implements AutoCloseable {
    private final java.lang.Process process;
    private final Address address;
    private final Path socketFile;

    private QemuQtest(java.lang.Process process, Address address, Path socketFile) {
        this.process = process;
        this.address = address;
        this.socketFile = socketFile;
    }

    /** {@code qemu-system-x86_64} on the PATH, if any. */
    static Optional<Path> find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-x86_64");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The first line of {@code qemu -version}, or why it could not be read. */
    static String version(Path qemu) {
        try {
            java.lang.Process p = new ProcessBuilder(qemu.toString(), "-version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("?");
            p.waitFor(10, TimeUnit.SECONDS);
            return first;
        } catch (IOException e) {
            return "cannot run " + qemu + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    static QemuQtest unix(Path qemu, Path dir) {
        Path socket = dir.resolve("qemu-qtest-" + System.nanoTime() + ".sock");
        return start(qemu, "unix:" + socket + ",server=on,wait=off", Address.unix(socket), socket);
    }

    static QemuQtest tcp(Path qemu) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port for QEMU", e);
        }
        return start(qemu, "tcp:127.0.0.1:" + port + ",server=on,wait=off", Address.tcp("127.0.0.1", port), null);
    }

    private static QemuQtest start(Path qemu, String chardev, Address address, Path socketFile) {
        List<String> cmd = new ArrayList<>(List.of(qemu.toString(), "-S", "-machine", "q35", "-device", "intel-iommu",
                "-device", "edu", "-qtest", chardev, "-qtest-log", "/dev/null", "-display", "none", "-nodefaults"));
        try {
            java.lang.Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            return new QemuQtest(p, address, socketFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + qemu, e);
        }
    }

    /**
     * A client loop on the qtest socket, retrying while QEMU is still starting. The chardev is a
     * server with one client at a time; after a loop closes, the next connect gets it again.
     */
    WireLoop connect(WireShape shape) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return WireLoop.connect(address, shape);
            } catch (UncheckedIOException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("QEMU exited with status " + process.exitValue()
                            + " before accepting qtest connections");
                }
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            if (socketFile != null) {
                Files.deleteIfExists(socketFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // a stale socket file in the scratch directory goes with the directory
        }
    }
}
