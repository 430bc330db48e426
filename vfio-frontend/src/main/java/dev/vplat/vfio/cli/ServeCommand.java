package dev.vplat.vfio.cli;

import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.machine.MemoryMapEntry;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.platform.VplatVersion;
import dev.vplat.vfio.server.ListenAddress;
import dev.vplat.vfio.server.ServerOptions;
import dev.vplat.vfio.server.VplatServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", description = {"Build a machine and serve it over the vplat wire protocol until SIGINT/SIGTERM.",
        "Each connection speaks binary frames (starting with VPL1) or qtest-compatible text lines."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    MachineOptions machine;

    @Option(names = "--listen", paramLabel = "tcp:HOST:PORT|unix:PATH",
            description = "Where to listen; repeatable; port 0 picks a free port (default: " + ListenAddress.DEFAULT + ").")
    List<String> listen = new ArrayList<>();

    @Option(names = "--token", paramLabel = "SECRET",
            description = "Secret guest sessions must present; required for non-loopback addresses.")
    String token;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        List<ListenAddress> addresses = new ArrayList<>();
        PlatformConfig config;
        try {
            for (String l : listen.isEmpty() ? List.of(ListenAddress.DEFAULT) : listen) {
                ListenAddress a = ListenAddress.parse(l);
                if (!a.isLocal() && token == null) {
                    throw new IllegalArgumentException(a + " is reachable from other hosts: add --token SECRET "
                            + "(guest sessions must then present it) or listen on 127.0.0.1 / a unix: path");
                }
                addresses.add(a);
            }
            config = machine.toConfig();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Platform platform;
        try {
            platform = Platforms.create(config);
        } catch (IllegalArgumentException | ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!config.trace().isEmpty()) {
            platform.machine().trace().addSink(System.err::println);
        }
        VplatServer server;
        try {
            server = VplatServer.start(platform, ServerOptions.defaults().withToken(token), addresses);
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        PrintWriter out = spec.commandLine().getOut();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("vplat: shutting down");
            out.flush();
            server.close();
            platform.close();
            stopped.countDown();
        }, "vplat-shutdown"));
        describe(out, server, platform);
        stopped.await();
        return 0;
    }

    private static void describe(PrintWriter out, VplatServer server, Platform platform) {
        out.printf("vplat %s: machine %s, %d MiB RAM%n", VplatVersion.version(), platform.machine().name(),
                platform.config().memoryBytes() >> 20);
        for (MemoryMapEntry e : platform.machine().memoryMap()) {
            out.printf("  %-14s 0x%016x  size 0x%x  (%s)%n", e.kind(), e.base(), e.size(), e.name());
        }
        HostPageAllocator pool = platform.kernel().pages();
        out.printf("  %-14s 0x%016x  size 0x%x  (host kernel page pool: session memory, IOMMU tables)%n",
                "host-reserved", pool.base(), pool.size());
        String info = platform.machineInfo();
        describePci(out, PciFunction.fromMachineInfo(info));
        describeIommus(out, IommuUnit.fromMachineInfo(info));
        for (ListenAddress a : server.addresses()) {
            out.println("  listening on " + a + (a.isUnix()
                    ? (VplatServer.nativeTransport() ? " (native epoll)" : " (JDK NIO)") : ""));
        }
        out.println("Binary clients send VPL1 then frames; text clients send qtest lines. Stop with Ctrl-C or SIGTERM.");
        out.flush();
    }

    /** One line per PCI function: where it is, what it is, who drives it and which IOMMU unit and group it is in. */
    static void describePci(PrintWriter out, List<PciFunction> functions) {
        out.println("  PCI functions:" + (functions.isEmpty() ? " (none)" : ""));
        for (PciFunction f : functions) {
            out.printf("    %s  %04x:%04x  class %06x  %-16s  driver %-8s  iommu %-6s  group %s%n", f.bdf(), f.vendor(),
                    f.device(), f.classCode(), f.type(), f.driver() == null ? "-" : f.driver(),
                    f.iommu() == null ? "-" : f.iommu(), f.group() == null ? "-" : f.group());
        }
    }

    /** One line per IOMMU unit: its id, hardware kind, register base and whether the host stack or a guest owns it. */
    static void describeIommus(PrintWriter out, List<IommuUnit> units) {
        out.println("  IOMMU units:" + (units.isEmpty() ? " (none)" : ""));
        for (IommuUnit u : units) {
            out.printf("    %-6s  %-12s  base 0x%016x  owner %s%n", u.id(), u.kind(), u.base(), u.owner());
        }
    }
}
