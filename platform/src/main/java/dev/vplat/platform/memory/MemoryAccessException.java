package dev.vplat.platform.memory;

/** An access that no memory region can serve: outside RAM, unmapped, or not RAM where RAM is required. */
public class MemoryAccessException extends RuntimeException {
    public MemoryAccessException(String message) {
        super(message);
    }
}
