package dev.vplat.iommu.mock;

import dev.vplat.iommu.UnitScope;
import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.machine.Lifecycle;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An IOMMU with the geometry of Linux's iommufd selftest mock (drivers/iommu/iommufd/selftest.c):
 * 2 KiB pages (MOCK_IO_PAGE_SIZE = PAGE_SIZE / 2), an aperture from 16 MiB (MOCK_APERTURE_START)
 * to 2 GiB − 1 (MOCK_APERTURE_LAST), and one IOMMU group per device. It has no registers: the
 * host stack creates {@link MockDomain}s, fills their page tables and attaches devices. A device
 * with no domain attached is blocked (its DMA faults), which is what DMA ownership needs; a device
 * put in pass-through ({@link #attachIdentity}) is not translated, which is what an identity
 * default domain needs.
 */
public final class MockIommu implements DmaTranslator, Lifecycle {
    public static final int PAGE_SIZE = 2048;
    public static final long APERTURE_START = 1L << 24;
    public static final long APERTURE_LAST = (1L << 31) - 1;
    private static final int FAULT_LOG = 256;

    /** One DMA the mock refused. */
    public record Fault(RequesterId requester, long iova, DmaDirection direction, boolean permission) {
    }

    private final String name;
    private final UnitScope scope;
    private final Map<Integer, MockDomain> attached = new HashMap<>();
    private final Set<Integer> passThrough = new HashSet<>();
    private final ArrayDeque<Fault> faults = new ArrayDeque<>();
    private int nextDomainId = 1;

    public MockIommu(String name, UnitScope scope) {
        this.name = name;
        this.scope = scope;
    }

    public String name() {
        return name;
    }

    public UnitScope scope() {
        return scope;
    }

    /** Every device is its own group: the group id is the requester ID's 16-bit value. */
    public int groupOf(RequesterId rid) {
        return rid.value();
    }

    public MockDomain allocateDomain() {
        return new MockDomain(nextDomainId++);
    }

    public void attach(RequesterId rid, MockDomain domain) {
        requireInScope(rid);
        passThrough.remove(rid.value());
        attached.put(rid.value(), domain);
    }

    /** Puts the device in pass-through: its DMA addresses are physical addresses (identity domain). */
    public void attachIdentity(RequesterId rid) {
        requireInScope(rid);
        attached.remove(rid.value());
        passThrough.add(rid.value());
    }

    /** Blocks the device: no domain, no pass-through, every DMA faults. */
    public void detach(RequesterId rid) {
        attached.remove(rid.value());
        passThrough.remove(rid.value());
    }

    public boolean isPassThrough(RequesterId rid) {
        return passThrough.contains(rid.value());
    }

    private void requireInScope(RequesterId rid) {
        if (!scope.test(rid)) {
            throw new MockIommuException(MockIommuException.EINVAL, rid + " is not behind " + name);
        }
    }

    public MockDomain domainOf(RequesterId rid) {
        return attached.get(rid.value());
    }

    @Override
    public Translation translate(RequesterId rid, int pasid, long iova, DmaDirection direction) {
        if (!scope.test(rid) || (passThrough.contains(rid.value()) && pasid == NO_PASID)) {
            return Translation.identity(iova);
        }
        MockDomain d = attached.get(rid.value());
        long pa = d == null || pasid != NO_PASID ? -1 : d.translate(iova, direction == DmaDirection.WRITE);
        if (pa < 0) {
            if (faults.size() == FAULT_LOG) {
                faults.removeFirst();
            }
            faults.addLast(new Fault(rid, iova, direction, pa == -2));
            return pa == -2 ? Translation.permissionFault() : Translation.translationFault();
        }
        return Translation.ok(pa, PAGE_SIZE - (iova & (PAGE_SIZE - 1)));
    }

    /** The most recent refused DMAs (up to 256), oldest first. */
    public List<Fault> faults() {
        return List.copyOf(faults);
    }

    /** Reset detaches every device and forgets the fault log; domains belong to the host stack. */
    @Override
    public void reset() {
        attached.clear();
        passThrough.clear();
        faults.clear();
    }

    @Override
    public String toString() {
        return name + " (mock IOMMU, scope " + scope + ")";
    }
}
