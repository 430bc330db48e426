package dev.vplat.vfio.iommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The IOMMU core: groups, their domains and DMA ownership, with the semantics of
 * drivers/iommu/iommu.c since Linux 6.2 (the device-centric interfaces first proposed in the 2021
 * RFC "iommu: Add iommu_device_init[exit]_user_dma interfaces").
 *
 * <p>A group is used either by kernel drivers through the DMA API ({@link #useDefaultDomain},
 * refcounted, owner NULL) or by one user owner object ({@link #groupClaimDmaOwner} exclusive,
 * {@link #deviceClaimDmaOwner} shared by devices presenting the same owner). A claim puts the
 * whole group in its blocking domain at once; user domains replace blocking; only the last
 * release returns the group to its default domain. Kernel probe into a user-owned group fails
 * with EBUSY; a user claim while kernel drivers are bound or another owner holds the group fails
 * with EPERM.
 */
public final class IommuCore {
    private static final String SOURCE = "iommu-core";

    private final List<HostIommu> units;
    private final Trace trace;
    private final Map<RequesterId, IommuDevice> devices = new TreeMap<>();
    private final Map<Object, IommuGroup> groupsByKey = new LinkedHashMap<>();
    private final TreeMap<Integer, IommuGroup> groups = new TreeMap<>();

    /** @param units the host-owned units; devices behind any other unit get no group */
    public IommuCore(List<HostIommu> units, Trace trace) {
        this.units = new ArrayList<>(units);
        this.trace = trace;
    }

    public List<HostIommu> units() {
        return List.copyOf(units);
    }

    /**
     * Registers a unit that comes up after boot (iommu_device_register), such as the iommufd
     * selftest's mock unit; devices probed from now on may sit behind it.
     */
    public void addUnit(HostIommu unit) {
        if (units.stream().anyMatch(u -> u.unitId().equals(unit.unitId()))) {
            throw new IllegalArgumentException("unit " + unit.unitId() + " was already added");
        }
        units.add(unit);
    }

    /**
     * Probes a device (iommu_probe_device): finds the host unit covering it, joins or creates its
     * group and attaches the group's current domain to it.
     *
     * @param upstreamRid   the requester ID the device's DMA carries at the root complex (its own, or
     *                      the PCIe-to-PCI bridge's alias); the unit whose scope holds it translates
     * @param topologyGroup the group number PCI's isolation rules give the device (pci_device_group);
     *                      used when the unit groups by topology
     */
    public IommuDevice addDevice(RequesterId rid, RequesterId upstreamRid, int topologyGroup) {
        if (devices.containsKey(rid)) {
            throw new IllegalArgumentException(rid + " was already added");
        }
        HostIommu unit = units.stream().filter(u -> u.covers(upstreamRid)).findFirst().orElse(null);
        return probe(unit, rid, upstreamRid, topologyGroup);
    }

    /**
     * Probes a device that is not found by requester-ID scope but belongs to {@code unit} by
     * construction, as the selftest's mock devices sit on their own bus behind the mock unit.
     * The unit must group per device.
     */
    public IommuDevice addDevice(HostIommu unit, RequesterId rid) {
        if (!units.contains(unit) || !unit.groupsPerDevice() || !unit.covers(rid)) {
            throw new IllegalArgumentException(rid + " cannot be added behind " + unit.unitId());
        }
        if (devices.containsKey(rid)) {
            throw new IllegalArgumentException(rid + " was already added");
        }
        return probe(unit, rid, rid, -1);
    }

    /** A failed attach leaves no trace: the device is not added and a group made for it goes again. */
    private IommuDevice probe(HostIommu unit, RequesterId rid, RequesterId upstreamRid, int topologyGroup) {
        IommuGroup group = unit == null ? null : groupFor(unit, rid, topologyGroup);
        IommuDevice device = new IommuDevice(this, rid, upstreamRid, group);
        if (group != null) {
            try {
                attach(unit, group.domain(), device);
            } catch (RuntimeException e) {
                if (group.devices().isEmpty()) {
                    groupsByKey.values().remove(group);
                    groups.remove(group.id());
                }
                throw e;
            }
            group.addDevice(device);
        }
        devices.put(rid, device);
        return device;
    }

    /**
     * Removes a device (iommu_release_device): it must hold no DMA-API driver and no user claim.
     * Its DMA is left blocked, and a group left empty goes away, freeing its number.
     */
    public void removeDevice(IommuDevice device) {
        if (devices.get(device.rid()) != device) {
            throw new IllegalArgumentException(device + " is not a device of this core");
        }
        if (device.kernelDmaUser() || device.claimedBy() != null) {
            throw new IllegalStateException(device + " is still in use for DMA");
        }
        IommuGroup g = device.group();
        if (g != null) {
            if (g.blockingDomain() == null) {
                g.setBlockingDomain(g.iommu().allocBlockingDomain());
            }
            attach(g.iommu(), g.blockingDomain(), device);
            g.removeDevice(device);
            if (g.devices().isEmpty()) {
                groupsByKey.values().remove(g);
                groups.remove(g.id());
            }
            log("%s: %s removed", g, device);
        }
        devices.remove(device.rid());
    }

    /** Probes a device whose DMA carries its own requester ID (no PCIe-to-PCI bridge above it). */
    public IommuDevice addDevice(RequesterId rid, int topologyGroup) {
        return addDevice(rid, rid, topologyGroup);
    }

    /** Programs every DMA alias of the device, as domain_context_mapping walks pci_for_each_dma_alias. */
    private static void attach(HostIommu unit, IommuDomain domain, IommuDevice device) {
        for (RequesterId alias : device.dmaAliases()) {
            unit.attachDevice(domain, alias);
        }
    }

    private IommuGroup groupFor(HostIommu unit, RequesterId rid, int topologyGroup) {
        Object key = unit.groupsPerDevice() ? List.of(unit, rid) : List.of(unit, topologyGroup);
        IommuGroup group = groupsByKey.get(key);
        if (group == null) {
            group = new IommuGroup(freeGroupId(), unit, unit.allocDefaultDomain());
            group.setDomain(group.defaultDomain());
            groupsByKey.put(key, group);
            groups.put(group.id(), group);
        }
        return group;
    }

    /** The lowest number no group has, as iommu_group_alloc takes one from an IDA. */
    private int freeGroupId() {
        int id = 0;
        while (groups.containsKey(id)) {
            id++;
        }
        return id;
    }

    public IommuDevice device(RequesterId rid) {
        return devices.get(rid);
    }

    public List<IommuDevice> devices() {
        return List.copyOf(devices.values());
    }

    /** The groups in number order. */
    public List<IommuGroup> groups() {
        return List.copyOf(groups.values());
    }

    public IommuGroup group(int id) {
        return groups.get(id);
    }

    /** User ownership claims held now, over all groups: the {@code dma_owner_claims} counter. */
    public long dmaOwnerClaims() {
        return groups.values().stream().filter(g -> g.owner() != null).mapToLong(IommuGroup::ownerCount).sum();
    }

    // ---- kernel DMA-API users (driver core, before probe / after remove) ----

    /**
     * iommu_device_use_default_domain: a DMA-API driver is about to probe. A device without a group
     * needs nothing. EBUSY when the group is user-owned or not in its default domain.
     */
    public void useDefaultDomain(IommuDevice device) {
        IommuGroup g = device.group();
        if (g == null) {
            return;
        }
        if (device.kernelDmaUser()) {
            throw new IllegalStateException(device + " already uses the default domain");
        }
        if (g.ownerCount() > 0 && (g.domain() != g.defaultDomain() || g.owner() != null)) {
            throw new ErrnoException(Errno.EBUSY, g + " of " + device + " is owned for user DMA ("
                    + g.ownerCount() + " claim(s)); a DMA-API driver cannot probe");
        }
        g.setOwner(null, g.ownerCount() + 1);
        device.setKernelDmaUser(true);
        log("%s: kernel DMA-API user %s, owner_cnt=%d", g, device, g.ownerCount());
    }

    /** iommu_device_unuse_default_domain: the DMA-API driver was removed (or its probe failed). */
    public void unuseDefaultDomain(IommuDevice device) {
        IommuGroup g = device.group();
        if (g == null) {
            return;
        }
        if (!device.kernelDmaUser()) {
            throw new IllegalStateException(device + " does not use the default domain");
        }
        g.setOwner(null, g.ownerCount() - 1);
        device.setKernelDmaUser(false);
        log("%s: kernel DMA-API user %s gone, owner_cnt=%d", g, device, g.ownerCount());
    }

    // ---- user ownership ----

    /**
     * iommu_group_claim_dma_owner, the legacy VFIO container path: exclusive, so EPERM whenever
     * the group has any user at all — kernel drivers, another owner, or this same owner.
     */
    public void groupClaimDmaOwner(IommuGroup g, Object owner) {
        requireOwner(owner);
        if (g.ownerCount() != 0) {
            throw new ErrnoException(Errno.EPERM, g + " is in use (" + g.ownership().wireName()
                    + ", owner_cnt=" + g.ownerCount() + "); a group claim is exclusive");
        }
        takeDmaOwnership(g, owner);
    }

    /** iommu_group_release_dma_owner: the group returns to its default domain. */
    public void groupReleaseDmaOwner(IommuGroup g, Object owner) {
        requireHeldBy(g, owner);
        releaseDmaOwnership(g);
    }

    /**
     * iommu_device_claim_dma_owner, the iommufd path: the first claim takes the group (blocking
     * domain attached at once); later claims by the same owner from devices of the group share it.
     * ENODEV without a group; EPERM when kernel drivers or another owner use the group.
     */
    public void deviceClaimDmaOwner(IommuDevice device, Object owner) {
        requireOwner(owner);
        IommuGroup g = device.requireGroup();
        if (device.claimedBy() != null) {
            throw new ErrnoException(Errno.EBUSY, device + " is already claimed for user DMA");
        }
        if (g.ownerCount() > 0) {
            if (g.owner() != owner) {
                throw new ErrnoException(Errno.EPERM, g + " of " + device + " is in use by "
                        + (g.owner() == null ? g.ownerCount() + " DMA-API kernel driver(s)" : "another owner"));
            }
            g.setOwner(owner, g.ownerCount() + 1);
            log("%s: %s joins the user owner, owner_cnt=%d", g, device, g.ownerCount());
        } else {
            takeDmaOwnership(g, owner);
        }
        device.setClaimedBy(owner);
    }

    /**
     * iommu_device_release_dma_owner: drops this device's claim; the last one returns the group
     * to its default domain, whatever user domain was attached.
     */
    public void deviceReleaseDmaOwner(IommuDevice device, Object owner) {
        IommuGroup g = device.requireGroup();
        if (owner == null || device.claimedBy() != owner) {
            throw new ErrnoException(Errno.EINVAL, device + " holds no DMA ownership claim for this owner");
        }
        device.setClaimedBy(null);
        if (g.ownerCount() > 1) {
            g.setOwner(owner, g.ownerCount() - 1);
            log("%s: %s leaves the user owner, owner_cnt=%d", g, device, g.ownerCount());
        } else {
            releaseDmaOwnership(g);
        }
    }

    /** __iommu_take_dma_ownership: EBUSY when a non-default domain is attached. */
    private void takeDmaOwnership(IommuGroup g, Object owner) {
        if (g.domain() != null && g.domain() != g.defaultDomain()) {
            throw new ErrnoException(Errno.EBUSY, g + " is attached to a private domain");
        }
        if (g.blockingDomain() == null) {
            g.setBlockingDomain(g.iommu().allocBlockingDomain());
        }
        setGroupDomain(g, g.blockingDomain());
        g.setOwner(owner, 1);
        log("%s: claimed for user DMA, blocking domain attached", g);
    }

    /** __iommu_release_dma_ownership: must succeed; back to the default domain. */
    private void releaseDmaOwnership(IommuGroup g) {
        setGroupDomain(g, g.defaultDomain());
        g.setOwner(null, 0);
        log("%s: user ownership released, default domain restored", g);
    }

    // ---- domains ----

    /**
     * __iommu_attach_group: attaches a user paging domain to the whole group. EPERM unless
     * {@code owner} owns the group; EBUSY when a user domain is already attached (use replace);
     * EINVAL when the domain belongs to another unit or is not a paging domain.
     */
    public void attachGroup(IommuDomain domain, IommuGroup g, Object owner) {
        requireHeldBy(g, owner);
        requireCompatible(domain, g);
        if (g.domain() != g.defaultDomain() && g.domain() != g.blockingDomain()) {
            throw new ErrnoException(Errno.EBUSY, g + " already has a user domain attached");
        }
        setGroupDomain(g, domain);
    }

    /** iommu_group_replace_domain: switches to {@code domain} without passing through blocking. */
    public void replaceGroupDomain(IommuDomain domain, IommuGroup g, Object owner) {
        requireHeldBy(g, owner);
        requireCompatible(domain, g);
        setGroupDomain(g, domain);
    }

    /** iommu_detach_group: back to the group's core domain, which is blocking while owned. */
    public void detachGroup(IommuGroup g, Object owner) {
        requireHeldBy(g, owner);
        setGroupDomain(g, g.coreDomain());
    }

    private static void requireCompatible(IommuDomain domain, IommuGroup g) {
        if (domain == null) {
            throw new ErrnoException(Errno.EINVAL, "no domain given");
        }
        if (domain.iommu() != g.iommu()) {
            throw new ErrnoException(Errno.EINVAL, "domain of " + domain.iommu().unitId() + " cannot be attached to "
                    + g + " behind " + g.iommu().unitId());
        }
        if (domain.type() != DomainType.UNMANAGED) {
            throw new ErrnoException(Errno.EINVAL, "only paging domains can be attached by a user");
        }
    }

    /**
     * Puts every device of the group into {@code domain}. If a device cannot be attached, the
     * devices already moved are put back, so a group is never split across domains — the failing
     * device included, whose DMA aliases before the failing one had already moved.
     */
    private void setGroupDomain(IommuGroup g, IommuDomain domain) {
        if (g.domain() == domain) {
            return;
        }
        IommuDomain old = g.domain();
        List<IommuDevice> done = new ArrayList<>();
        try {
            for (IommuDevice d : g.devices()) {
                done.add(d);
                attach(g.iommu(), domain, d);
            }
        } catch (RuntimeException e) {
            for (IommuDevice d : done) {
                attach(g.iommu(), old, d);
            }
            throw e;
        }
        g.setDomain(domain);
        log("%s: domain %s -> %s for %s", g, old.type().wireName(), domain.type().wireName(), g.devices());
    }

    private static void requireOwner(Object owner) {
        if (owner == null) {
            throw new ErrnoException(Errno.EINVAL, "a DMA owner must be an object");
        }
    }

    private static void requireHeldBy(IommuGroup g, Object owner) {
        Objects.requireNonNull(g);
        if (owner == null || g.owner() != owner) {
            throw new ErrnoException(Errno.EPERM, g + " is not owned by this owner");
        }
    }

    private void log(String format, Object... args) {
        if (trace.on(TraceCategory.IOMMU)) {
            trace.line(TraceCategory.IOMMU, SOURCE, String.format(format, args));
        }
    }
}
