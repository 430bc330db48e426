package dev.vplat.vfio.iommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A host IOMMU for core tests: it remembers which domain each device is attached to, as the
 * hardware would, and can be told to refuse attaching one device.
 */
public final class RecordingIommu implements HostIommu {
    private final String id;
    private final Set<Integer> buses;
    private final boolean perDevice;
    public final Map<RequesterId, IommuDomain> attached = new TreeMap<>();
    final Set<RequesterId> refuse = new HashSet<>();
    final Map<DomainType, Integer> allocations = new HashMap<>();

    public RecordingIommu(String id, boolean perDevice, Integer... buses) {
        this.id = id;
        this.perDevice = perDevice;
        this.buses = Set.of(buses);
    }

    record Domain(DomainType type, HostIommu iommu) implements IommuDomain {
    }

    @Override
    public String unitId() {
        return id;
    }

    @Override
    public String driverName() {
        return "recording";
    }

    @Override
    public boolean covers(RequesterId rid) {
        return buses.contains(rid.bus());
    }

    @Override
    public boolean groupsPerDevice() {
        return perDevice;
    }

    private IommuDomain alloc(DomainType type) {
        allocations.merge(type, 1, Integer::sum);
        return new Domain(type, this);
    }

    @Override
    public IommuDomain allocDefaultDomain() {
        return alloc(DomainType.IDENTITY);
    }

    @Override
    public IommuDomain allocBlockingDomain() {
        return alloc(DomainType.BLOCKED);
    }

    @Override
    public PagingDomain allocPagingDomain(int flags) {
        throw new ErrnoException(Errno.EOPNOTSUPP, "use paging()");
    }

    public IommuDomain paging() {
        return alloc(DomainType.UNMANAGED);
    }

    @Override
    public void attachDevice(IommuDomain domain, RequesterId rid) {
        if (refuse.contains(rid)) {
            throw new ErrnoException(Errno.EINVAL, "refused " + rid);
        }
        attached.put(rid, domain);
    }

    @Override
    public boolean capable(RequesterId rid, IommuCap cap) {
        return cap == IommuCap.CACHE_COHERENCY;
    }

    @Override
    public List<ReservedRegion> reservedRegions(RequesterId rid) {
        return List.of();
    }

    @Override
    public IommuHwInfo hwInfo() {
        return new IommuHwInfo(IommuHwInfo.TYPE_NONE, new byte[0], 0);
    }
}
