package dev.vplat.platform.memory;

/** A window of {@code size} bytes onto another region starting at {@code targetOffset} (QEMU's alias). */
public final class AliasRegion extends MemoryRegion {
    private final MemoryRegion target;
    private final long targetOffset;

    public AliasRegion(String name, MemoryRegion target, long targetOffset, long size) {
        super(name, size);
        if (targetOffset < 0 || targetOffset > target.size() - size) {
            throw new IllegalArgumentException("alias " + name + " exceeds its target " + target.name());
        }
        this.target = target;
        this.targetOffset = targetOffset;
    }

    public MemoryRegion target() {
        return target;
    }

    public long targetOffset() {
        return targetOffset;
    }
}
