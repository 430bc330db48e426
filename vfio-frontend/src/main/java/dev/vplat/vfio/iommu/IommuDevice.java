package dev.vplat.vfio.iommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.List;

/**
 * The IOMMU side of one PCI function, and the handle iommufd and VFIO use for it: claim and
 * release DMA ownership (device-centric, several devices of a group may share one owner), allocate
 * paging domains on the device's unit, attach and detach domains (group-wide), and query reserved
 * regions and hardware info. A device with no host-owned IOMMU has no group: nothing isolates its
 * DMA, so user claims fail with ENODEV.
 */
public final class IommuDevice {
    private final IommuCore core;
    private final RequesterId rid;
    private final List<RequesterId> dmaAliases;
    private final IommuGroup group;
    private Object claimedBy;
    private boolean kernelDmaUser;

    IommuDevice(IommuCore core, RequesterId rid, RequesterId upstreamRid, IommuGroup group) {
        this.core = core;
        this.rid = rid;
        this.dmaAliases = rid.equals(upstreamRid) ? List.of(rid) : List.of(rid, upstreamRid);
        this.group = group;
    }

    public RequesterId rid() {
        return rid;
    }

    /**
     * The requester IDs the device's DMA may carry (pci_for_each_dma_alias): its own and, behind a
     * PCIe-to-PCI bridge, the bridge's (secondary bus, 00.0). The host driver programs all of them.
     */
    public List<RequesterId> dmaAliases() {
        return dmaAliases;
    }

    public String bdf() {
        return rid.bdf();
    }

    /** The device's group, or null when no host-owned IOMMU translates its DMA. */
    public IommuGroup group() {
        return group;
    }

    public boolean hasGroup() {
        return group != null;
    }

    /** The host IOMMU unit the device sits behind, or null. */
    public HostIommu iommu() {
        return group == null ? null : group.iommu();
    }

    /** The owner this device claimed DMA ownership for, or null. */
    public Object claimedBy() {
        return claimedBy;
    }

    /** Whether a DMA-API kernel driver bound to this device counts in its group's owner_cnt. */
    public boolean kernelDmaUser() {
        return kernelDmaUser;
    }

    /** iommu_device_claim_dma_owner; see {@link IommuCore#deviceClaimDmaOwner}. */
    public void claimDmaOwner(Object owner) {
        core.deviceClaimDmaOwner(this, owner);
    }

    /** iommu_device_release_dma_owner, checked against the owner that claimed. */
    public void releaseDmaOwner(Object owner) {
        core.deviceReleaseDmaOwner(this, owner);
    }

    /**
     * Allocates a paging domain on this device's unit. EOPNOTSUPP for flags the unit cannot honour
     * (dirty tracking, nest parent), ENODEV without an IOMMU.
     */
    public PagingDomain allocPagingDomain(int flags) {
        return requireGroup().iommu().allocPagingDomain(flags);
    }

    /** Attaches {@code domain} to the device's whole group; see {@link IommuCore#attachGroup}. */
    public void attach(IommuDomain domain, Object owner) {
        core.attachGroup(domain, requireGroup(), owner);
    }

    /** Switches the group to {@code domain} without passing through blocking (replace). */
    public void replace(IommuDomain domain, Object owner) {
        core.replaceGroupDomain(domain, requireGroup(), owner);
    }

    /** Detaches the group's user domain; the group goes back to blocking. */
    public void detach(Object owner) {
        core.detachGroup(requireGroup(), owner);
    }

    /** device_iommu_capable: false for every capability without an IOMMU. */
    public boolean capable(IommuCap cap) {
        return group != null && group.iommu().capable(rid, cap);
    }

    /** The device's reserved IOVA regions (iommu_get_resv_regions); empty without an IOMMU. */
    public List<ReservedRegion> reservedRegions() {
        return group == null ? List.of() : group.iommu().reservedRegions(rid);
    }

    /** IOMMU_GET_HW_INFO data for this device; ENODEV without an IOMMU. */
    public IommuHwInfo hwInfo() {
        return requireGroup().iommu().hwInfo();
    }

    IommuGroup requireGroup() {
        if (group == null) {
            throw new ErrnoException(Errno.ENODEV, rid.bdf() + " has no IOMMU group (no host-owned IOMMU translates its DMA)");
        }
        return group;
    }

    void setClaimedBy(Object owner) {
        this.claimedBy = owner;
    }

    void setKernelDmaUser(boolean on) {
        this.kernelDmaUser = on;
    }

    @Override
    public String toString() {
        return rid.bdf();
    }
}
