package dev.vplat.guest.suites;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.vfio.cli.Main;
import dev.vplat.vfio.platform.PlatformConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs every suite through {@link SuiteRunner} — the path `vplat suite` takes — so `mvn verify`
 * runs them over real sockets against embedded servers, and checks the subcommand itself.
 */
class SuitesTest {
    private static void assertPassed(int number) {
        assertPassed(SuiteCatalog.byNumber(number).orElseThrow());
    }

    private static void assertPassed(SuiteCatalog.Entry suite) {
        int number = suite.number();
        SuiteRunner.Report report = new SuiteRunner().run(List.of(suite));
        assertTrue(report.successful(), () -> report.failures().stream()
                .map(f -> f.name() + ": " + f.detail()).collect(Collectors.joining("\n\n")));
        assertTrue(report.count(SuiteRunner.Outcome.PASSED) + report.count(SuiteRunner.Outcome.SKIPPED) > 0,
                "suite " + number + " ran nothing");
    }

    @Test
    void suite1VtdBringUpAndDmaPasses() {
        assertPassed(1);
    }

    @Test
    void suite2VtdFaultsInvalidationAndStrictDetectorPass() {
        assertPassed(2);
    }

    @Test
    void suite3InterruptRemappingPasses() {
        assertPassed(3);
    }

    @Test
    void suite4OwnershipPasses() {
        assertPassed(4);
    }

    @Test
    void suite5IommufdPasses() {
        assertPassed(5);
    }

    @Test
    void suite6VfioContainerPasses() {
        assertPassed(6);
    }

    @Test
    void suite7ProtocolPasses() {
        assertPassed(7);
    }

    @Test
    void suite8SmmuV3Passes() {
        assertPassed(8);
    }

    @Test
    void suiteListNamesEverySuite() {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).execute("suite", "--list");
        assertEquals(0, exit);
        for (SuiteCatalog.Entry e : SuiteCatalog.all()) {
            assertTrue(out.toString().contains(e.number() + "  " + e.title()), out::toString);
        }
    }

    @Test
    void suiteAgainstATargetPrintsASummaryAndWritesJunitXml(@TempDir Path xml) throws Exception {
        try (EmbeddedVplat server = EmbeddedVplat.start(PlatformConfig.defaults())) {
            StringWriter out = new StringWriter();
            int exit = Main.commandLine().setOut(new PrintWriter(out))
                    .execute("suite", "7", "--target", server.address(), "--junit-xml", xml.toString());
            assertEquals(0, exit, out::toString);
            assertTrue(out.toString().contains("OK: "), out::toString);
            try (var files = Files.list(xml)) {
                String report = Files.readString(files.filter(p -> p.toString().endsWith(".xml")).findFirst().orElseThrow());
                assertTrue(report.contains("ProtocolSuite") && report.contains("<testcase"), report);
            }
        }
    }

    @Test
    void anUnknownSuiteNumberIsAUsageError() {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.commandLine().setErr(new PrintWriter(err)).execute("suite", "99"));
        assertTrue(err.toString().contains("no suite 99"), err::toString);
    }
}
