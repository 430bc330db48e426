package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.VplatVersion;
import picocli.CommandLine;

/** {@code vplat --version}: the project version and the Java running it. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"vplat " + VplatVersion.version(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
