package dev.vplat.guest.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How long and how big: the time per measurement, the RAM touched in the 1 TiB machine, where
 * QEMU is (empty: rows against QEMU say {@link #QEMU_NOT_FOUND}) and extra JVM options for the
 * spawned servers.
 */
record BenchSettings(Duration measurement, long touchBytes, Optional<Path> qemu, List<String> childJavaOptions) {
    BenchSettings {
        childJavaOptions = List.copyOf(childJavaOptions);
    }

    /** What rows against QEMU say when it is absent. */
    static final String QEMU_NOT_FOUND = "QEMU not found (no qemu-system-x86_64 on the PATH)";
}
