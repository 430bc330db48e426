package dev.vplat.vfio.plugin;

import dev.vplat.platform.device.ConfigException;
import dev.vplat.vfio.cli.Main;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way a plugin can be wrong fails the machine before it is built, with a message naming
 * the jar (and the type or instance where there is one); a device that throws while the
 * machine runs is fenced instead and the rest of the machine keeps answering.
 */
class PluginFailuresTest {
    @TempDir
    Path work;

    /**
     * A plugin whose provider {@code p.Provider} defines type {@code name}; the device's
     * {@code realize} runs {@code realizeBody} (which must return a {@code FunctionSpec}).
     */
    private Path plugin(String jarName, String name, String realizeBody) throws IOException {
        String code = """
                package p;

                import dev.vplat.pci.sdk.*;
                import dev.vplat.platform.device.*;
                import dev.vplat.platform.memory.*;
                import java.util.List;

                public final class Provider implements DeviceTypeProvider {
                    @Override
                    public List<DeviceType<?>> deviceTypes() {
                        return List.of(PciDeviceTypes.define("%s", "test plugin", new PropertySchema(), v -> new Dev()));
                    }

                    static final class Dev implements PciDevice {
                        @Override
                        public FunctionSpec realize(DeviceContext c) {
                            %s
                        }
                    }
                }
                """.formatted(name, realizeBody);
        return new PluginJarBuilder(work.resolve(jarName)).source("p.Provider", code).provider("p.Provider").build(jarName);
    }

    private Path plugin(String jarName, String name) throws IOException {
        return plugin(jarName, name, "return FunctionSpec.builder(0x1234, 0x0001).build();");
    }

    private static PlatformConfig config(List<String> devices, List<Path> plugins) {
        return new PlatformConfig("q35", devices, List.of(), 16 << 20, false, "pci,device", ClockMode.VIRTUAL, false,
                plugins);
    }

    private static String failure(List<String> devices, List<Path> plugins) {
        return assertThrows(ConfigException.class, () -> Platforms.create(config(devices, plugins))).getMessage();
    }

    private static void assertMentions(String message, String... fragments) {
        for (String f : fragments) {
            assertTrue(message.contains(f), "'" + f + "' missing from: " + message);
        }
    }

    @Test
    void aMissingJarIsNamed() {
        Path missing = work.resolve("nowhere/device.jar");
        assertMentions(failure(List.of(), List.of(missing)), missing.toString(), "does not exist");
    }

    @Test
    void aFileThatIsNotAZipIsRefused() throws IOException {
        Path text = Files.writeString(work.resolve("device.jar"), "not a jar");
        assertMentions(failure(List.of(), List.of(text)), text.toString(), "not a jar");
    }

    @Test
    void aJarWithoutTheServiceFileIsRefused() throws IOException {
        Path jar = new PluginJarBuilder(work).source("p.Empty", "package p; public class Empty {}").build("empty");
        assertMentions(failure(List.of(), List.of(jar)), jar.toString(), PluginLoader.SERVICE_FILE);
    }

    @Test
    void aProviderClassThatIsNotInTheJarNamesTheJarAndTheClass() throws IOException {
        Path jar = new PluginJarBuilder(work).source("p.Other", "package p; public class Other {}")
                .provider("p.Missing").build("broken");
        assertMentions(failure(List.of(), List.of(jar)), jar.toString(), "p.Missing");
    }

    @Test
    void aProviderThatThrowsWhileListingTypesNamesTheJarAndTheProvider() throws IOException {
        Path jar = new PluginJarBuilder(work).source("p.Bad", """
                package p;
                public final class Bad implements dev.vplat.platform.device.DeviceTypeProvider {
                    @Override
                    public java.util.List<dev.vplat.platform.device.DeviceType<?>> deviceTypes() {
                        throw new IllegalStateException("no types today");
                    }
                }
                """).provider("p.Bad").build("bad");
        assertMentions(failure(List.of(), List.of(jar)), jar.toString(), "p.Bad", "no types today");
    }

    @Test
    void aPluginRedefiningABuiltInTypeNamesBothOrigins() throws IOException {
        Path jar = plugin("fake-edu", "edu");
        assertMentions(failure(List.of(), List.of(jar)), "'edu'", jar.toString(), PluginLoader.BUILTIN_ORIGIN);
    }

    @Test
    void twoPluginsDefiningTheSameTypeNameNameBothJars() throws IOException {
        Path first = plugin("first", "widget");
        Path second = plugin("second", "widget");
        assertMentions(failure(List.of(), List.of(first, second)), "'widget'", first.toString(), second.toString());
    }

    @Test
    void aDeviceWhoseRealizeThrowsNamesTheInstanceTypeAndJar() throws IOException {
        Path jar = plugin("fragile", "fragile", "throw new IllegalStateException(\"no firmware\");");
        assertMentions(failure(List.of("fragile,id=f0"), List.of(jar)), "'f0'", "'fragile'", jar.toString(),
                "no firmware");
    }

    @Test
    void anUnknownDeviceTypeListsTheKnownOnesIncludingThePlugins() throws IOException {
        Path jar = plugin("widget", "widget");
        assertMentions(failure(List.of("gadget"), List.of(jar)), "unknown device type 'gadget'", "widget", "edu");
    }

    @Test
    void aPropertyTheTypeDoesNotHaveNamesTheTypeAndJar() throws IOException {
        Path jar = plugin("widget", "widget");
        assertMentions(failure(List.of("widget,colour=blue"), List.of(jar)), "colour", "'widget'", jar.toString());
    }

    @Test
    @Timeout(60)
    void serveWithABadPluginExitsWithTheMessageInsteadOfListening() throws IOException {
        Path text = Files.writeString(work.resolve("device.jar"), "not a jar");
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("serve", "--plugin", text.toString(), "--device", "edu", "--listen", "tcp:127.0.0.1:0");
        assertNotEquals(0, exit);
        assertMentions(err.toString(), text.toString(), "not a jar");
    }

    @Test
    void aDeviceThatThrowsAtRunTimeIsFencedAndTheMachineKeepsAnswering() throws IOException {
        Path jar = plugin("flaky", "flaky", """
                MmioOps ops = new MmioOps() {
                    @Override
                    public long read(long offset, int size) {
                        if (offset == 8) {
                            throw new IllegalStateException("model bug");
                        }
                        return 0x55;
                    }

                    @Override
                    public void write(long offset, int size, long value) {
                    }
                };
                return FunctionSpec.builder(0x1234, 0x0002).bar(0, BarSpec.memory32(4096, AccessRules.ANY, ops)).build();
                """);
        try (Platform p = Platforms.create(config(List.of("flaky,addr=0c.0,id=flaky0"), List.of(jar)))) {
            GuestPci pci = new GuestPci(p.machine().system(), 0xc, 0);
            pci.configWrite(0x10, 4, 0xE000_0000L);
            pci.configWrite(0x04, 2, 0x2);
            assertEquals(0x55, p.machine().system().read(0xE000_0000L, 4));
            assertEquals(0xFFFF_FFFFL, p.machine().system().read(0xE000_0008L, 4), "the failing read gives all-ones");
            assertEquals(0xFFFF_FFFFL, p.machine().system().read(0xE000_0000L, 4), "fenced from then on");
            assertEquals(0x0002_1234L, pci.configRead(0, 4), "config space still answers");
            assertEquals(0x29C0_8086L, new GuestPci(p.machine().system(), 0, 0).configRead(0, 4),
                    "the rest of the machine too");
            assertTrue(p.machine().trace().tail().stream().anyMatch(l -> l.contains("flaky0")
                    && l.contains("function fenced")), String.join("\n", p.machine().trace().tail()));
        }
    }
}
