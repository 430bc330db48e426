package dev.vplat.pci.dma;

import dev.vplat.pci.PciFunction;
import dev.vplat.pci.RequesterId;

import java.util.List;
import java.util.Set;

/**
 * The requesters an IOMMU unit translates for, after the ACPI DMAR / IORT notion of a device
 * scope (VT-d spec §8.3.1): everything not claimed elsewhere ({@link #includeAll()}, DRHD flag
 * INCLUDE_PCI_ALL), a fixed set of requester IDs, a bus range (a PCI sub-hierarchy), or a set
 * of functions whose requester IDs are looked up at DMA time, so a scope given by device keeps
 * following the device when the guest renumbers buses.
 */
public sealed interface DmaScope {
    /** Whether a request carrying {@code rid} (as seen at the root complex) is in this scope. */
    boolean covers(RequesterId rid);

    /** Whether this is the catch-all scope; specific scopes win over it. */
    default boolean catchAll() {
        return false;
    }

    static DmaScope includeAll() {
        return IncludeAll.INSTANCE;
    }

    static DmaScope requesters(Set<RequesterId> rids) {
        return new Requesters(Set.copyOf(rids));
    }

    /** Buses {@code first..last} inclusive, any devfn. */
    static DmaScope buses(int first, int last) {
        return new Buses(first, last);
    }

    /** The functions' current upstream requester IDs (their DMA aliases, see {@link PciFunction#upstreamRequesterId()}). */
    static DmaScope functions(List<PciFunction> functions) {
        return new Functions(List.copyOf(functions));
    }

    /** The catch-all scope. */
    enum IncludeAll implements DmaScope {
        INSTANCE;

        @Override
        public boolean covers(RequesterId rid) {
            return true;
        }

        @Override
        public boolean catchAll() {
            return true;
        }
    }

    /** A fixed set of requester IDs. */
    record Requesters(Set<RequesterId> rids) implements DmaScope {
        @Override
        public boolean covers(RequesterId rid) {
            return rids.contains(rid);
        }
    }

    /** A bus-number range. */
    record Buses(int first, int last) implements DmaScope {
        public Buses {
            if (first < 0 || last > 255 || first > last) {
                throw new IllegalArgumentException("bus range must be within 0..255 and ordered");
            }
        }

        @Override
        public boolean covers(RequesterId rid) {
            return rid.bus() >= first && rid.bus() <= last;
        }
    }

    /** Functions, matched by their requester ID at the time of each request. */
    record Functions(List<PciFunction> functions) implements DmaScope {
        @Override
        public boolean covers(RequesterId rid) {
            for (PciFunction f : functions) {
                if (f.upstreamRequesterId().equals(rid)) {
                    return true;
                }
            }
            return false;
        }
    }
}
