package dev.vplat.pci;

import dev.vplat.pci.sdk.BarKind;
import dev.vplat.platform.memory.MmioOps;

/**
 * What the host stack needs of one BAR, like vfio-pci's region info: index (0..5, or
 * {@link #ROM_INDEX} for the expansion ROM), kind, size, the address software programmed, whether
 * it currently decodes, and {@code ops} to reach the BAR's contents by offset directly, bypassing
 * address decoding (vfio region access). The ops apply the same access rules and fencing as a CPU
 * access through the address space.
 */
public record BarInfo(int index, BarKind kind, boolean prefetchable, long size, long address, boolean decoding,
                      MmioOps ops) {
    /** Index used for the expansion ROM BAR (vfio's VFIO_PCI_ROM_REGION_INDEX is 6 as well). */
    public static final int ROM_INDEX = 6;
}
