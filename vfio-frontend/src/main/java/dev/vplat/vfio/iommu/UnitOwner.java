package dev.vplat.vfio.iommu;

import java.util.Locale;

/**
 * Who drives an IOMMU unit (the unit's {@code owner} property). A host-owned unit is brought up and
 * managed by the host stack, and guest-role writes into its register window are refused; a
 * guest-owned unit is left at reset state for a guest driver under test, and the host stack never
 * touches it.
 */
public enum UnitOwner {
    HOST, GUEST;

    public static UnitOwner parse(String value) {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
