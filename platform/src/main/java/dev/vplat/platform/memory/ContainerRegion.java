package dev.vplat.platform.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * A region made of subregions placed at offsets with priorities. Where subregions overlap, the
 * higher priority is visible; at equal priority the one added later wins (an overlay). Changes
 * are announced to listeners so address spaces re-flatten lazily, on their next access.
 */
public final class ContainerRegion extends MemoryRegion {
    /** One placement of a subregion. */
    public record Placement(MemoryRegion region, long offset, int priority, long order) {
    }

    private final List<Placement> placements = new ArrayList<>();
    private final List<Runnable> listeners = new ArrayList<>();
    /** One relay per container, so it can be unsubscribed from a child when the child leaves. */
    private final Runnable relay = this::changed;
    private long nextOrder;
    private boolean notifying;

    public ContainerRegion(String name, long size) {
        super(name, size);
    }

    public void add(MemoryRegion region, long offset, int priority) {
        if (offset < 0 || Long.compareUnsigned(offset, size()) >= 0) {
            throw new IllegalArgumentException("subregion " + region.name() + " at 0x" + Long.toHexString(offset)
                    + " is outside " + name());
        }
        if (innerContainer(region) == this) {
            throw new IllegalArgumentException(name() + " cannot contain itself");
        }
        for (Placement p : placements) {
            if (p.region() == region) {
                throw new IllegalArgumentException(region.name() + " is already placed in " + name());
            }
        }
        placements.add(new Placement(region, offset, priority, nextOrder++));
        ContainerRegion inner = innerContainer(region);
        if (inner != null) {
            inner.listeners.add(relay);
        }
        changed();
    }

    /** The container whose changes show through {@code region} (itself or an alias's target). */
    private static ContainerRegion innerContainer(MemoryRegion region) {
        MemoryRegion inner = region;
        while (inner instanceof AliasRegion a) {
            inner = a.target();
        }
        return inner instanceof ContainerRegion c ? c : null;
    }

    public void add(MemoryRegion region, long offset) {
        add(region, offset, 0);
    }

    /** Removes a subregion; removing one that is not placed is a no-op, so unmapping is idempotent. */
    public void remove(MemoryRegion region) {
        if (placements.removeIf(p -> p.region() == region)) {
            ContainerRegion inner = innerContainer(region);
            if (inner != null) {
                inner.listeners.remove(relay);
            }
            changed();
        }
    }

    public boolean contains(MemoryRegion region) {
        for (Placement p : placements) {
            if (p.region() == region) {
                return true;
            }
        }
        return false;
    }

    public List<Placement> placements() {
        return List.copyOf(placements);
    }

    public void addListener(Runnable listener) {
        listeners.add(listener);
    }

    /** Tells listeners once per change; the guard stops a (mis-built) cycle of containers looping. */
    private void changed() {
        if (notifying) {
            return;
        }
        notifying = true;
        try {
            for (Runnable r : List.copyOf(listeners)) {
                r.run();
            }
        } finally {
            notifying = false;
        }
    }
}
