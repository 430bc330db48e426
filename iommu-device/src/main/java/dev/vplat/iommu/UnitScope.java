package dev.vplat.iommu;

import dev.vplat.pci.RequesterId;

import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The requester IDs an IOMMU unit translates for: every requester (an ACPI DRHD with
 * INCLUDE_PCI_ALL) or an explicit list (DRHD device scopes). A machine holding several units
 * gives each one its own scope; the PCI layer routes a requester to the unit that claims it.
 */
public final class UnitScope implements Predicate<RequesterId> {
    private static final UnitScope ALL = new UnitScope(true, Set.of());

    private final boolean includeAll;
    private final Set<RequesterId> requesters;
    private final boolean[] bySid;

    private UnitScope(boolean includeAll, Set<RequesterId> requesters) {
        this.includeAll = includeAll;
        this.requesters = Collections.unmodifiableSet(new TreeSet<>(requesters));
        this.bySid = new boolean[includeAll ? 0 : 0x10000];
        for (RequesterId rid : requesters) {
            bySid[rid.value()] = true;
        }
    }

    public static UnitScope includeAll() {
        return ALL;
    }

    public static UnitScope of(Set<RequesterId> requesters) {
        return new UnitScope(false, requesters);
    }

    /**
     * Parses a scope property: {@code all}, or requester IDs ({@code 00:03.0}) separated by
     * {@code +}, {@code ;}, whitespace or a (doubled, in an option string) comma.
     */
    public static UnitScope parse(String text) {
        String t = text.trim();
        if (t.equalsIgnoreCase("all")) {
            return ALL;
        }
        Set<RequesterId> ids = new TreeSet<>();
        Arrays.stream(t.split("[+;,\\s]+")).filter(s -> !s.isEmpty()).forEach(s -> ids.add(RequesterId.parse(s)));
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("scope must be 'all' or a list of requester IDs");
        }
        return of(ids);
    }

    public boolean isIncludeAll() {
        return includeAll;
    }

    /** The listed requesters (empty for include-all). */
    public Set<RequesterId> requesters() {
        return requesters;
    }

    public boolean contains(int sourceId) {
        return includeAll || (sourceId >= 0 && sourceId < 0x10000 && bySid[sourceId]);
    }

    @Override
    public boolean test(RequesterId rid) {
        return contains(rid.value());
    }

    @Override
    public String toString() {
        return includeAll ? "all" : requesters.toString();
    }
}
