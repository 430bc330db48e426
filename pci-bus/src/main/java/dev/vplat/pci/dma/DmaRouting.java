package dev.vplat.pci.dma;

import dev.vplat.pci.RequesterId;

import java.util.ArrayList;
import java.util.List;

/**
 * Which IOMMU unit translates the DMA of which requester, one per PCI host. A unit claims a
 * {@link DmaScope} with its {@link DmaTranslator}; a request whose requester ID no unit claims is
 * passed through untranslated (identity), as on a machine without an IOMMU. Specific scopes are
 * consulted in claim order before the catch-all one, like DMAR units listed before the
 * INCLUDE_PCI_ALL unit (VT-d spec §8.3).
 */
public final class DmaRouting {
    /** One unit's claim; release it to give the requesters back to identity (or the catch-all). */
    public final class Claim {
        private final String owner;
        private final DmaScope scope;
        private final DmaTranslator translator;

        private Claim(String owner, DmaScope scope, DmaTranslator translator) {
            this.owner = owner;
            this.scope = scope;
            this.translator = translator;
        }

        public String owner() {
            return owner;
        }

        public DmaScope scope() {
            return scope;
        }

        public DmaTranslator translator() {
            return translator;
        }

        public void release() {
            claims.remove(this);
        }
    }

    private final List<Claim> claims = new ArrayList<>();

    /**
     * Claims {@code scope} for {@code owner}.
     *
     * @throws IllegalStateException when another unit already holds the catch-all scope
     */
    public Claim claim(String owner, DmaScope scope, DmaTranslator translator) {
        if (scope.catchAll()) {
            for (Claim c : claims) {
                if (c.scope.catchAll()) {
                    throw new IllegalStateException(owner + " cannot include all devices: " + c.owner + " already does");
                }
            }
        }
        Claim claim = new Claim(owner, scope, translator);
        claims.add(claim);
        return claim;
    }

    /** The claim that covers {@code rid}, or null when its DMA is identity-mapped. */
    public Claim claimFor(RequesterId rid) {
        Claim catchAll = null;
        for (Claim c : claims) {
            if (c.scope.catchAll()) {
                catchAll = c;
            } else if (c.scope.covers(rid)) {
                return c;
            }
        }
        return catchAll;
    }

    /** The translator for {@code rid}, or null for identity. */
    public DmaTranslator translatorFor(RequesterId rid) {
        Claim c = claimFor(rid);
        return c == null ? null : c.translator;
    }

    public List<Claim> claims() {
        return List.copyOf(claims);
    }
}
