package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeCommandTest {
    @Test
    void startupSummaryListsPciFunctionsWithDriverUnitAndGroupAndTheIommuUnits() {
        StringWriter s = new StringWriter();
        try (Platform p = Platforms.create(PlatformConfig.defaults().withMemory(64L << 20))) {
            PrintWriter out = new PrintWriter(s, true);
            ServeCommand.describePci(out, PciFunction.fromMachineInfo(p.machineInfo()));
            ServeCommand.describeIommus(out, IommuUnit.fromMachineInfo(p.machineInfo()));
        }
        String text = s.toString();
        assertTrue(text.contains("  PCI functions:\n"), text);
        assertTrue(text.contains("    0000:00:03.0  1234:11e8  class 00ff00  edu               driver edu       iommu dmar0   group -\n"), text);
        assertTrue(text.contains("    0000:01:00.0  1234:da7a  class 00ff00  dmatest           driver dmatest   iommu dmar1   group 2\n"), text);
        assertTrue(text.contains("  IOMMU units:\n    dmar0   intel-iommu   base 0x00000000fed90000  owner guest\n"
                + "    dmar1   intel-iommu   base 0x00000000fed91000  owner host\n"), text);
    }
}
