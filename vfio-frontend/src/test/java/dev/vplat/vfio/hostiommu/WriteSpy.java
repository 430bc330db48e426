package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.MmioOps;

import java.util.List;
import java.util.function.BiFunction;

/**
 * An MMIO window to lay over a unit's registers: every access goes through to them, and each
 * write is recorded as {@code label(offset, value)}, so a test can pin the order of a driver's
 * register writes against Linux's.
 */
final class WriteSpy {
    private WriteSpy() {
    }

    static MmioOps over(MmioOps registers, BiFunction<Long, Long, String> label, List<String> writes) {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return registers.read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                writes.add(label.apply(offset, value));
                registers.write(offset, size, value);
            }
        };
    }
}
