package dev.vplat.pci.devices;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Project issue 12: the reference devices are written only against the public device SDK. */
class SdkOnlyImportsTest {
    private static final Pattern ALLOWED = Pattern.compile("import (static )?(java\\.[\\w.]+|"
            + "dev\\.vplat\\.pci\\.sdk\\.[\\w.]+|"
            + "dev\\.vplat\\.pci\\.dma\\.(DmaStatus|DmaResult|DmaDirection)|"
            + "dev\\.vplat\\.platform\\.(regs|clock|device|trace)\\.[\\w.]+|"
            + "dev\\.vplat\\.platform\\.memory\\.(MmioOps|AccessRules));");

    @ParameterizedTest
    @ValueSource(strings = {"EduDevice.java", "DmaTestDevice.java"})
    void deviceImportsOnlyTheSdkSurface(String file) throws IOException {
        Path source = Path.of("src/main/java/dev/vplat/pci/devices", file);
        List<String> offending = Files.readAllLines(source).stream()
                .filter(l -> l.startsWith("import "))
                .filter(l -> !ALLOWED.matcher(l).matches())
                .toList();
        assertEquals(List.of(), offending);
    }
}
