package dev.vplat.vfio.iommu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An IOMMU group (struct iommu_group): the smallest set of devices the IOMMU can isolate from
 * each other, and therefore the unit of DMA ownership. Every device of a group is always in the
 * same domain, so a domain change for one device is a domain change for all of them. The state
 * is changed only by {@link IommuCore}; this class exposes it read-only.
 */
public final class IommuGroup {
    private final int id;
    private final HostIommu iommu;
    private final List<IommuDevice> devices = new ArrayList<>();
    private final IommuDomain defaultDomain;
    private IommuDomain blockingDomain;
    private IommuDomain domain;
    private Object owner;
    private int ownerCount;

    IommuGroup(int id, HostIommu iommu, IommuDomain defaultDomain) {
        this.id = id;
        this.iommu = iommu;
        this.defaultDomain = defaultDomain;
    }

    /** The group number, the name of its legacy VFIO node {@code /dev/vfio/<id>}. */
    public int id() {
        return id;
    }

    public HostIommu iommu() {
        return iommu;
    }

    public List<IommuDevice> devices() {
        return Collections.unmodifiableList(devices);
    }

    /** The kernel's DMA-API (or identity) domain, set up when the group was created. */
    public IommuDomain defaultDomain() {
        return defaultDomain;
    }

    /** The blocking domain, allocated on the first ownership claim; null before that. */
    public IommuDomain blockingDomain() {
        return blockingDomain;
    }

    /** The domain every device of the group is attached to now. */
    public IommuDomain domain() {
        return domain;
    }

    /** The user owner object (a VFIO group, an iommufd context), or null. */
    public Object owner() {
        return owner;
    }

    /** Kernel DMA-API drivers bound plus user claims (owner_cnt). */
    public int ownerCount() {
        return ownerCount;
    }

    public DmaOwnership ownership() {
        if (ownerCount == 0) {
            return DmaOwnership.NONE;
        }
        return owner == null ? DmaOwnership.KERNEL : DmaOwnership.USER;
    }

    /** iommu_group_dma_owner_claimed: whether any kernel driver or user uses the group. */
    public boolean dmaOwnerClaimed() {
        return ownerCount != 0;
    }

    /** The domain the group returns to when a user domain is detached: blocking while owned. */
    IommuDomain coreDomain() {
        return owner != null ? blockingDomain : defaultDomain;
    }

    void addDevice(IommuDevice device) {
        devices.add(device);
    }

    void removeDevice(IommuDevice device) {
        devices.remove(device);
    }

    void setDomain(IommuDomain domain) {
        this.domain = domain;
    }

    void setBlockingDomain(IommuDomain blockingDomain) {
        this.blockingDomain = blockingDomain;
    }

    void setOwner(Object owner, int ownerCount) {
        this.owner = owner;
        this.ownerCount = ownerCount;
    }

    @Override
    public String toString() {
        return "iommu_group " + id;
    }
}
