package dev.vplat.pci;

import dev.vplat.pci.config.ConfigSpace;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.ContainerRegion;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;

/**
 * One BAR (or the expansion ROM) of a function: its config-space encoding and its region in
 * system memory or I/O space. Follows QEMU's pci_bar_address: the BAR decodes while its
 * Command.MEM/IO bit (and, for the ROM, its enable bit) is set and its address is non-zero and
 * fits the address space; the region is moved whenever that answer or the address changes.
 */
final class Bar {
    static final int MAPPING_PRIORITY = 1;

    private final int index;
    private final int registerOffset;
    private final BarKind kind;
    private final boolean prefetchable;
    private final long size;
    private final MmioRegion region;
    private long mappedAt = -1;
    private ContainerRegion mappedIn;

    Bar(int index, int registerOffset, BarKind kind, boolean prefetchable, long size, String name,
        AccessRules rules, MmioOps ops) {
        this.index = index;
        this.registerOffset = registerOffset;
        this.kind = kind;
        this.prefetchable = prefetchable;
        this.size = size;
        this.region = new MmioRegion(name, size, rules, ops);
    }

    int index() {
        return index;
    }

    boolean rom() {
        return index == BarInfo.ROM_INDEX;
    }

    BarKind kind() {
        return kind;
    }

    long size() {
        return size;
    }

    MmioRegion region() {
        return region;
    }

    /** Writes the read-only type bits and the sizing mask into config space. */
    void layout(ConfigSpace cfg) {
        if (rom()) {
            cfg.rw(registerOffset, 4, (~(size - 1) & 0xFFFF_F800L) | PciConfig.ROM_ENABLE);
            return;
        }
        long flags = kind == BarKind.IO ? PciConfig.BAR_SPACE_IO
                : (kind == BarKind.MEMORY64 ? PciConfig.BAR_MEM_TYPE_64 : 0) | (prefetchable ? PciConfig.BAR_MEM_PREFETCH : 0);
        cfg.set32(registerOffset, flags);
        long low = kind == BarKind.IO ? 0xFFFF_FFFCL : 0xFFFF_FFF0L;
        cfg.rw(registerOffset, 4, ~(size - 1) & low);
        if (kind == BarKind.MEMORY64) {
            cfg.rw(registerOffset + 4, 4, (~(size - 1)) >>> 32);
        }
    }

    /** The programmed address (flag bits removed). */
    long address(ConfigSpace cfg) {
        long lo = cfg.get32(registerOffset);
        if (rom()) {
            return lo & ~0x7FFL;
        }
        switch (kind) {
            case IO:
                return lo & ~0x3L;
            case MEMORY64:
                return (lo & ~0xFL) | (cfg.get32(registerOffset + 4) << 32);
            default:
                return lo & ~0xFL;
        }
    }

    /** The address the BAR decodes at now, or -1 when it does not decode. */
    long decodeAddress(ConfigSpace cfg, long spaceSize) {
        int command = cfg.get16(PciConfig.COMMAND);
        boolean enabled = kind == BarKind.IO ? (command & PciConfig.COMMAND_IO) != 0
                : (command & PciConfig.COMMAND_MEMORY) != 0;
        if (rom()) {
            enabled &= (cfg.get32(registerOffset) & PciConfig.ROM_ENABLE) != 0;
        }
        long addr = address(cfg);
        if (!enabled || addr == 0 || addr < 0 || addr > spaceSize - size) {
            return -1;
        }
        return addr;
    }

    /** Moves the region to where config space says it decodes; returns whether it moved. */
    boolean remap(ConfigSpace cfg, ContainerRegion space) {
        long target = decodeAddress(cfg, space.size());
        if (target == mappedAt) {
            return false;
        }
        unmap();
        if (target >= 0) {
            space.add(region, target, MAPPING_PRIORITY);
            mappedIn = space;
            mappedAt = target;
        }
        return true;
    }

    void unmap() {
        if (mappedIn != null) {
            mappedIn.remove(region);
            mappedIn = null;
        }
        mappedAt = -1;
    }

    long mappedAt() {
        return mappedAt;
    }

    BarInfo info(ConfigSpace cfg) {
        return new BarInfo(index, kind, prefetchable, size, address(cfg), mappedAt >= 0, hostOps);
    }

    /** The BAR contents by offset with the region's access rules applied, for host (vfio) access. */
    private final MmioOps hostOps = new MmioOps() {
        @Override
        public long read(long offset, int accessSize) {
            if (offset < 0 || offset + accessSize > size || !region.rules().admits(offset, accessSize)) {
                long ones = region.rules().invalidRead();
                return accessSize == 8 ? ones : ones & ((1L << (8 * accessSize)) - 1);
            }
            return region.ops().read(offset, accessSize);
        }

        @Override
        public void write(long offset, int accessSize, long value) {
            if (offset >= 0 && offset + accessSize <= size && region.rules().admits(offset, accessSize)) {
                region.ops().write(offset, accessSize, value);
            }
        }
    };
}
