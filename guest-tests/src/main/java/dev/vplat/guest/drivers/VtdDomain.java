package dev.vplat.guest.drivers;

/**
 * A guest driver's DMA domain on one VT-d unit: a domain id (DID, tags its IOTLB entries) and the
 * second-level table its devices' context entries point to (Linux {@code struct dmar_domain}).
 */
public record VtdDomain(int did, SecondLevelTable table) {
    /** Context-entry AW for the table depth: 3 levels → 1 (39-bit), 4 levels → 2 (48-bit). */
    public int contextAw() {
        return table.levels() - 2;
    }
}
