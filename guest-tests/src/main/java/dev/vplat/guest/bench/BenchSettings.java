package dev.vplat.guest.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How long and how big: the time per measurement, the RAM touched in the 1 TiB machine, where
 * QEMU is (empty: rows against QEMU say "QEMU not found") and extra JVM options for the
 * spawned servers.
 */
record BenchSettings(Duration measurement, long touchBytes, Optional<Path> qemu, List<String> childJavaOptions) {
    BenchSettings {
        childJavaOptions = List.copyOf(childJavaOptions);
    }
}
