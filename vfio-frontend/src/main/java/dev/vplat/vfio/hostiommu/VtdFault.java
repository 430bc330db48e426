package dev.vplat.vfio.hostiommu;

import dev.vplat.pci.RequesterId;

/**
 * One DMA-remapping fault the host VT-d driver read from a fault recording register (FRCD, spec
 * §11.4.11): source-id, faulting page address, reason code (fact sheet A.20) and whether the
 * request was a read (FRCD.T = 1) or a write.
 */
public record VtdFault(String unitId, RequesterId source, long address, int reason, boolean read) {
    @Override
    public String toString() {
        return String.format("%s: DMAR: [DMA %s] Request device [%s] fault addr 0x%x [fault reason 0x%02x]",
                unitId, read ? "Read" : "Write", source, address, reason);
    }
}
