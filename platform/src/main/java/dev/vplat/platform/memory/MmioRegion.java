package dev.vplat.platform.memory;

/** A region whose accesses are served by device code through {@link MmioOps}. */
public final class MmioRegion extends MemoryRegion {
    private final MmioOps ops;
    private final AccessRules rules;

    public MmioRegion(String name, long size, AccessRules rules, MmioOps ops) {
        super(name, size);
        this.ops = ops;
        this.rules = rules;
    }

    public MmioOps ops() {
        return ops;
    }

    public AccessRules rules() {
        return rules;
    }
}
