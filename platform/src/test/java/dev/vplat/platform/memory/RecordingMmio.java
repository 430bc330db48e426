package dev.vplat.platform.memory;

import java.util.ArrayList;
import java.util.List;

/** An MMIO device that answers reads with a fixed pattern and records every access it sees. */
final class RecordingMmio implements MmioOps {
    final List<String> accesses = new ArrayList<>();
    private final long readValue;

    RecordingMmio(long readValue) {
        this.readValue = readValue;
    }

    @Override
    public long read(long offset, int size) {
        accesses.add("r" + size + "@" + Long.toHexString(offset));
        return readValue;
    }

    @Override
    public void write(long offset, int size, long value) {
        accesses.add("w" + size + "@" + Long.toHexString(offset) + "=" + Long.toHexString(value));
    }
}
