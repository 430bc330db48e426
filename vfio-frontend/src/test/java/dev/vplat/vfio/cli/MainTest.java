package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.platform.VplatVersion;
import dev.vplat.vfio.server.ListenAddress;
import dev.vplat.vfio.server.ServerOptions;
import dev.vplat.vfio.server.VplatServer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void versionPrintsTheProjectVersion() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("vplat " + VplatVersion.version()), out.toString());
        assertTrue(!VplatVersion.version().contains("${"), "version resource is filtered");
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(2, run());
        assertTrue(err.toString().contains("vplat serve"), err.toString());
    }

    @Test
    void serveOnANonLoopbackAddressWithoutTokenIsAUsageErrorThatSaysWhatToDo() {
        assertEquals(2, run("serve", "--listen", "tcp:0.0.0.0:0"));
        assertTrue(err.toString().contains("--token"), err.toString());
    }

    @Test
    void serveWithAMalformedAddressIsAUsageError() {
        assertEquals(2, run("serve", "--listen", "tcp:localhost"));
        assertTrue(err.toString().contains("tcp:HOST:PORT"), err.toString());
    }

    @Test
    void infoWithoutTargetDescribesAFreshEmbeddedMachine() {
        assertEquals(0, run("info", "--memory", "64M"));
        assertTrue(out.toString().startsWith("{\"machine\":\"q35\""), out.toString());
        assertTrue(out.toString().contains("\"size\":\"0x4000000\""), out.toString());
    }

    @Test
    void infoWithAnUnknownMachineIsAUsageError() {
        assertEquals(2, run("info", "--machine", "nonesuch"));
    }

    @Test
    void peekWithoutAServerFailsWithAdvice() {
        assertEquals(1, run("peek", "--target", "tcp:127.0.0.1:1", "0x1000"));
        assertTrue(err.toString().contains("vplat serve"), err.toString());
    }

    @Test
    void pokeThenPeekGoThroughARunningServer() {
        try (Platform p = Platforms.create(PlatformConfig.defaults().withMemory(64L << 20));
             VplatServer server = VplatServer.start(p, ServerOptions.defaults(),
                     List.of(ListenAddress.parse("tcp:127.0.0.1:0")))) {
            String target = server.addresses().get(0).toString();
            assertEquals(0, run("poke", "--target", target, "0x1000", "0xbeef", "--size", "2"));
            assertEquals(0, run("peek", "--target", target, "0x1000", "2"));
            assertEquals("0xbeef", out.toString().strip());
        }
    }

    @Test
    void pokeOfAValueTooWideForTheSizeIsAUsageError() {
        assertEquals(2, run("poke", "0x1000", "0x1ff", "--size", "1"));
    }

    @Test
    void peekOfAnOddSizePrintsAHexDump() {
        StringWriter s = new StringWriter();
        PeekCommand.print(new PrintWriter(s, true), 0x1000, new byte[] {1, 2, 3});
        assertEquals("0000000000001000: 01 02 03", s.toString().strip());
    }

    @Test
    void lspciOfABareMachineShowsOnlyTheHostBridge() {
        assertEquals(0, run("lspci", "--memory", "64M", "--no-defaults"));
        assertEquals("00:00.0 Host bridge: Device 8086:29c0", out.toString().strip());
    }

    @Test
    void completionScriptIsGenerated() {
        assertEquals(0, run("completion"));
        assertTrue(out.toString().contains("vplat"), "bash completion names the command");
    }
}
