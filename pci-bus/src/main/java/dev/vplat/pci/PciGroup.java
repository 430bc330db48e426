package dev.vplat.pci;

import java.util.List;

/** One IOMMU group: the functions that cannot be isolated from each other for DMA. */
public record PciGroup(int id, List<PciFunction> functions) {
    public PciGroup {
        functions = List.copyOf(functions);
    }

    public boolean contains(PciFunction f) {
        return functions.contains(f);
    }
}
