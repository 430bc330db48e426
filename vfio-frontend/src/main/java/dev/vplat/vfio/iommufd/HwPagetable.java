package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.uapi.IommufdIoctl;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * A paging HWPT (hw_pagetable.c struct iommufd_hwpt_paging): an IOMMU driver's paging domain
 * kept in sync with one IOAS. Automatic ones are made by a device attach to an IOAS and die
 * with their last device; manual ones come from IOMMU_HWPT_ALLOC and live until destroyed.
 */
public final class HwPagetable extends IommufdObject {
    private static final int VALID_FLAGS = IommufdIoctl.HWPT_ALLOC_NEST_PARENT | IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING
            | IommufdIoctl.HWPT_FAULT_ID_VALID | IommufdIoctl.HWPT_ALLOC_PASID;

    final Ioas ioas;
    private PagingDomain domain;
    private boolean inIopt;
    boolean autoDomain;
    final boolean nestParent;

    private HwPagetable(IommufdContext ctx, Ioas ioas, boolean nestParent) {
        super(Type.HWPT_PAGING, ctx);
        this.ioas = ioas;
        this.nestParent = nestParent;
    }

    public PagingDomain domain() {
        return domain;
    }

    public Ioas ioas() {
        return ioas;
    }

    public boolean autoDomain() {
        return autoDomain;
    }

    /**
     * iommufd_hwpt_paging_alloc: flag checks (EOPNOTSUPP), the driver's domain, optionally the
     * first device's attach (auto domains), then the domain joins the IOAS, which maps and pins
     * everything already there. Any failure leaves nothing behind.
     */
    static HwPagetable alloc(IommufdContext ctx, Ioas ioas, IommufdDevice idev, int flags, boolean immediateAttach) {
        if ((flags & ~VALID_FLAGS) != 0) {
            throw fail(Errno.EOPNOTSUPP, "unknown HWPT flags 0x" + Integer.toHexString(flags));
        }
        if ((flags & IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING) != 0 && !idev.ops().dirtyTrackingCapable()) {
            throw fail(Errno.EOPNOTSUPP, idev.ops().name() + ": IOMMU cannot track dirty pages");
        }
        if ((flags & IommufdIoctl.HWPT_FAULT_ID_VALID) != 0 && (flags & IommufdIoctl.HWPT_ALLOC_NEST_PARENT) != 0) {
            throw fail(Errno.EOPNOTSUPP, "a nesting parent cannot take faults");
        }
        HwPagetable hwpt = new HwPagetable(ctx, ioas, (flags & IommufdIoctl.HWPT_ALLOC_NEST_PARENT) != 0);
        ctx.add(hwpt);
        ioas.users++;
        boolean attached = false;
        try {
            hwpt.domain = idev.ops().allocPagingDomain(flags & ~IommufdIoctl.HWPT_FAULT_ID_VALID);
            if (immediateAttach) {
                idev.attachTo(hwpt);
                attached = true;
            }
            ioas.iopt().addDomain(hwpt.domain);
            hwpt.inIopt = true;
        } catch (ErrnoException e) {
            if (attached) {
                idev.detachFrom(hwpt);
            }
            hwpt.release();
            ctx.abort(hwpt);
            throw e;
        }
        ioas.hwpts.add(hwpt);
        return hwpt;
    }

    @Override
    protected void destroy() {
        ioas.hwpts.remove(this);
        release();
    }

    private void release() {
        if (inIopt) {
            ioas.iopt().removeDomain(domain);
            inIopt = false;
        }
        if (domain != null) {
            domain.free();
            domain = null;
        }
        ioas.users--;
    }
}
