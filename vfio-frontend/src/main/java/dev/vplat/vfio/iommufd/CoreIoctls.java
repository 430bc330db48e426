package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy;
import dev.vplat.vfio.uapi.IommufdStructs.IommuOption;
import dev.vplat.vfio.uapi.IommufdStructs.IommuVfioIoas;

import static dev.vplat.vfio.iommufd.Errors.fail;

/** IOMMU_DESTROY, IOMMU_OPTION and IOMMU_VFIO_IOAS (main.c, ioas.c, vfio_compat.c). */
final class CoreIoctls {
    private CoreIoctls() {
    }

    static long destroy(Ucmd<IommuDestroy> u) {
        u.ctx().destroy(u.cmd().id());
        return 0;
    }

    /** iommufd_option: reserved, unknown option and unknown op are EOPNOTSUPP; success writes val64 back. */
    static long option(Ucmd<IommuOption> u) {
        IommuOption c = u.cmd();
        if (c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "__reserved must be 0");
        }
        long val = switch (c.optionId()) {
            case IommufdIoctl.OPTION_RLIMIT_MODE -> rlimitMode(u);
            case IommufdIoctl.OPTION_HUGE_PAGES -> hugePages(u);
            default -> throw fail(Errno.EOPNOTSUPP, "unknown option " + c.optionId());
        };
        u.respondMember(c.withVal64(val), "val64");
        return 0;
    }

    /** iommufd_option_rlimit_mode: global (object_id 0); SET needs CAP_SYS_RESOURCE and an empty context. */
    private static long rlimitMode(Ucmd<IommuOption> u) {
        IommuOption c = u.cmd();
        if (c.objectId() != 0) {
            throw fail(Errno.EOPNOTSUPP, "RLIMIT_MODE is global, object_id must be 0");
        }
        IommufdContext ctx = u.ctx();
        if (c.op() == IommufdIoctl.OPTION_OP_GET) {
            return ctx.accountMode() == AccountMode.MM ? 1 : 0;
        }
        if (c.op() != IommufdIoctl.OPTION_OP_SET) {
            throw fail(Errno.EOPNOTSUPP, "unknown option op " + c.op());
        }
        if (!u.process().privileged()) {
            throw fail(Errno.EPERM, "RLIMIT_MODE needs CAP_SYS_RESOURCE");
        }
        if (ctx.objectCount() != 0) {
            throw fail(Errno.EBUSY, "RLIMIT_MODE can only change while the iommufd holds no objects");
        }
        if (c.val64() == 0) {
            ctx.setAccountMode(AccountMode.USER);
        } else if (c.val64() == 1) {
            ctx.setAccountMode(AccountMode.MM);
        } else {
            throw fail(Errno.EINVAL, "RLIMIT_MODE is 0 or 1");
        }
        return c.val64();
    }

    /** iommufd_ioas_option: HUGE_PAGES of one IOAS. */
    private static long hugePages(Ucmd<IommuOption> u) {
        IommuOption c = u.cmd();
        Ioas ioas = u.ctx().get(c.objectId(), Ioas.class);
        if (c.op() == IommufdIoctl.OPTION_OP_GET) {
            return ioas.iopt().largePagesDisabled() ? 0 : 1;
        }
        if (c.op() != IommufdIoctl.OPTION_OP_SET) {
            throw fail(Errno.EOPNOTSUPP, "unknown option op " + c.op());
        }
        if (c.val64() != 0 && c.val64() != 1) {
            throw fail(Errno.EINVAL, "HUGE_PAGES is 0 or 1");
        }
        ioas.iopt().setLargePages(c.val64() == 1);
        return c.val64();
    }

    /** iommufd_vfio_ioas: GET (ENODEV without one), SET (ENOENT for a bad id), CLEAR. */
    static long vfioIoas(Ucmd<IommuVfioIoas> u) {
        IommuVfioIoas c = u.cmd();
        if (c.reserved() != 0) {
            throw fail(Errno.EOPNOTSUPP, "__reserved must be 0");
        }
        IommufdContext ctx = u.ctx();
        switch (c.op()) {
            case IommufdIoctl.VFIO_IOAS_GET -> {
                Ioas ioas = ctx.compatIoas();
                if (ioas == null) {
                    throw fail(Errno.ENODEV, "no VFIO compatibility IOAS");
                }
                u.respond(c.withIoasId(ioas.id()));
            }
            case IommufdIoctl.VFIO_IOAS_SET -> ctx.setCompatIoas(ctx.get(c.ioasId(), Ioas.class));
            case IommufdIoctl.VFIO_IOAS_CLEAR -> ctx.setCompatIoas(null);
            default -> throw fail(Errno.EOPNOTSUPP, "unknown VFIO_IOAS op " + c.op());
        }
        return 0;
    }
}
