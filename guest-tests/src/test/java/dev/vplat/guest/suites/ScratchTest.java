package dev.vplat.guest.suites;
import org.junit.jupiter.api.Test;
import java.io.PrintWriter;
import java.util.List;
class ScratchTest {
    @Test void run() {
        PrintWriter out = new PrintWriter(System.out, true);
        new SuiteRunner().progress(out).run(List.of(SuiteCatalog.byNumber(8).orElseThrow()));
    }
}
