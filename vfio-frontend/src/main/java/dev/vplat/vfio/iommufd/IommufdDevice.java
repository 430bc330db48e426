package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * A device bound to an iommufd (device.c struct iommufd_device). Binding claims DMA ownership
 * for the context and leaves the device's DMA blocked; attach connects it to an IOAS (through
 * an automatic HWPT) or to an HWPT, a second attach replaces the first, detach blocks DMA
 * again, unbind gives ownership back. The binding driver holds a user on the object, so
 * IOMMU_DESTROY of a bound device is EBUSY.
 */
public final class IommufdDevice extends IommufdObject {
    private final IommufdDeviceOps ops;
    private final IommufdGroup group;
    private final boolean holdsContext;
    private boolean unbound;

    IommufdDevice(IommufdContext ctx, IommufdDeviceOps ops, IommufdGroup group, boolean holdsContext) {
        super(Type.DEVICE, ctx);
        this.ops = ops;
        this.group = group;
        this.holdsContext = holdsContext;
    }

    public IommufdDeviceOps ops() {
        return ops;
    }

    public IommufdContext context() {
        return ctx;
    }

    public boolean attached() {
        return group.attached.contains(this);
    }

    /** The HWPT the device's group is attached to, or null. */
    public HwPagetable hwpt() {
        return attached() ? group.hwpt : null;
    }

    /**
     * iommufd_device_attach, or iommufd_device_replace when already attached: {@code ptId}
     * names an IOAS (a compatible automatic HWPT is reused or made) or a paging HWPT. Returns
     * the HWPT id. Missing id → ENOENT, any other object type → EINVAL.
     */
    public int attach(int ptId) {
        return attached() ? replace(ptId) : changePt(ptId, false);
    }

    /** iommufd_device_replace: EINVAL when not attached; the same HWPT again is a no-op. */
    public int replace(int ptId) {
        return changePt(ptId, true);
    }

    private int changePt(int ptId, boolean replace) {
        IommufdObject pt = ctx.lookup(ptId);
        if (pt instanceof HwPagetable hwpt) {
            change(hwpt, replace);
            return hwpt.id();
        }
        if (pt instanceof Ioas ioas) {
            return autoDomain(ioas, replace);
        }
        throw fail(Errno.EINVAL, "object " + ptId + " is neither an IOAS nor an HWPT");
    }

    private void change(HwPagetable hwpt, boolean replace) {
        if (replace) {
            HwPagetable old = replaceWith(hwpt);
            if (old != null) {
                put(old);
            }
        } else {
            attachTo(hwpt);
        }
    }

    /**
     * iommufd_device_auto_get_domain: try each automatic HWPT of the IOAS (EINVAL from the
     * driver means "incompatible, try the next"), else make a new one for this device.
     */
    private int autoDomain(Ioas ioas, boolean replace) {
        for (HwPagetable hwpt : java.util.List.copyOf(ioas.hwpts)) {
            if (!hwpt.autoDomain) {
                continue;
            }
            try {
                change(hwpt, replace);
                return hwpt.id();
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
            }
        }
        if (replace && !attached()) {
            throw fail(Errno.EINVAL, ops.name() + " is not attached");
        }
        HwPagetable hwpt = HwPagetable.alloc(ctx, ioas, this, 0, !replace);
        hwpt.autoDomain = true;
        if (replace) {
            try {
                change(hwpt, true);
            } catch (ErrnoException e) {
                ctx.removeObject(hwpt);
                throw e;
            }
        }
        return hwpt.id();
    }

    /**
     * iommufd_hw_pagetable_attach: the group must not be on another HWPT (EINVAL); the device's
     * reserved regions become reserved in the IOAS (EADDRINUSE); the first device of the group
     * switches the group's domain.
     */
    void attachTo(HwPagetable hwpt) {
        if (group.hwpt != null && group.hwpt != hwpt) {
            throw fail(Errno.EINVAL, "the group of " + ops.name() + " is attached to another HWPT");
        }
        IoPagetable iopt = hwpt.ioas.iopt();
        enforceReservedRegions(iopt);
        if (group.attached.isEmpty()) {
            try {
                ops.attachDomain(hwpt.domain());
            } catch (ErrnoException e) {
                iopt.removeReserved(this);
                throw e;
            }
            group.hwpt = hwpt;
        }
        hwpt.users++;
        group.attached.add(this);
    }

    /**
     * iommufd_hw_pagetable_detach: undoes {@link #attachTo} except for the user it took on the
     * HWPT, which the caller drops.
     */
    void detachFrom(HwPagetable hwpt) {
        group.attached.remove(this);
        if (group.attached.isEmpty()) {
            ops.detachDomain();
            group.hwpt = null;
        }
        hwpt.ioas.iopt().removeReserved(this);
    }

    private void enforceReservedRegions(IoPagetable iopt) {
        try {
            for (ReservedRegion r : ops.reservedRegions()) {
                iopt.reserve(r.start(), r.last(), this);
            }
        } catch (ErrnoException e) {
            iopt.removeReserved(this);
            throw e;
        }
    }

    /** iommufd_device_do_replace: returns the previous HWPT, or null when it is the same one. */
    private HwPagetable replaceWith(HwPagetable hwpt) {
        if (group.hwpt == null || !attached()) {
            throw fail(Errno.EINVAL, ops.name() + " is not attached");
        }
        HwPagetable old = group.hwpt;
        if (old == hwpt) {
            return null;
        }
        boolean newIoas = old.ioas != hwpt.ioas;
        if (newIoas) {
            try {
                for (IommufdDevice d : group.attached) {
                    d.enforceReservedRegions(hwpt.ioas.iopt());
                }
            } catch (ErrnoException e) {
                group.attached.forEach(d -> hwpt.ioas.iopt().removeReserved(d));
                throw e;
            }
        }
        try {
            ops.replaceDomain(hwpt.domain());
        } catch (ErrnoException e) {
            if (newIoas) {
                group.attached.forEach(d -> hwpt.ioas.iopt().removeReserved(d));
            }
            throw e;
        }
        if (newIoas) {
            group.attached.forEach(d -> old.ioas.iopt().removeReserved(d));
        }
        group.hwpt = hwpt;
        int n = group.attached.size();
        hwpt.users += n;
        old.users -= n - 1;
        return old;
    }

    /** iommufd_device_detach: blocks the device's DMA again; an automatic HWPT dies with its last device. */
    public void detach() {
        if (!attached()) {
            return;
        }
        HwPagetable hwpt = group.hwpt;
        detachFrom(hwpt);
        put(hwpt);
    }

    /** iommufd_hw_pagetable_put: drop a user; an automatic HWPT left with only the table's is destroyed. */
    private void put(HwPagetable hwpt) {
        hwpt.users--;
        if (hwpt.autoDomain && hwpt.users == 1) {
            ctx.removeObject(hwpt);
        }
    }

    /** iommufd_device_unbind: detaches if needed, destroys the object, releases DMA ownership. */
    public void unbind() {
        if (unbound) {
            throw new IllegalStateException(ops.name() + " already unbound");
        }
        detach();
        ctx.destroyDriverObject(this);
    }

    @Override
    protected void destroy() {
        unbound = true;
        ops.releaseDmaOwner();
        ctx.putGroup(group);
        if (holdsContext) {
            ctx.put();
        }
    }
}
