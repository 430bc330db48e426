package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;

import java.util.ArrayList;
import java.util.List;

/**
 * The iommufd subsystem of a host kernel: the /dev/iommu node (each open is a new context), the
 * "iommufd_objects" health counter over all live contexts, and the hook through which the VFIO
 * layer serves the legacy container ioctls on an iommufd (vfio_compat.c).
 */
public final class Iommufd {
    public static final String PATH = "/dev/iommu";

    /** iommufd_vfio_ioctl: the VFIO container ioctls (nr below 0x80) served on an iommufd. */
    @FunctionalInterface
    public interface VfioCompat {
        long ioctl(IommufdContext ctx, Process process, int request, long arg);
    }

    private static final VfioCompat NO_COMPAT = (ctx, p, request, arg) -> {
        throw new ErrnoException(Errno.ENOTTY, "iommufd: inappropriate ioctl 0x" + Integer.toHexString(request));
    };

    private final HostKernel kernel;
    private final List<IommufdContext> contexts = new ArrayList<>();
    private VfioCompat vfioCompat = NO_COMPAT;

    private Iommufd(HostKernel kernel) {
        this.kernel = kernel;
    }

    /** Registers /dev/iommu, the objects counter and the {@code Iommufd} service of {@code kernel}. */
    public static Iommufd install(HostKernel kernel) {
        Iommufd iommufd = new Iommufd(kernel);
        kernel.nodes().register(PATH, iommufd::open);
        kernel.counter("iommufd_objects", iommufd::objectCount);
        kernel.provide(Iommufd.class, iommufd);
        return iommufd;
    }

    HostKernel kernel() {
        return kernel;
    }

    VfioCompat vfioCompat() {
        return vfioCompat;
    }

    public void setVfioCompat(VfioCompat compat) {
        this.vfioCompat = compat;
    }

    /** iommufd_fops_open: a fresh context with user-based memlock accounting. */
    public OpenFile open(Process process) {
        IommufdContext ctx = new IommufdContext(this, process);
        contexts.add(ctx);
        return new IommufdFile(ctx);
    }

    /** iommufd_ctx_from_file: the context behind an open iommufd, EBADFD for any other file. */
    public static IommufdContext contextOf(OpenFile file) {
        if (file instanceof IommufdFile f) {
            return f.ctx();
        }
        throw new ErrnoException(Errno.EBADFD, file.name() + " is not an iommufd");
    }

    public List<IommufdContext> contexts() {
        return List.copyOf(contexts);
    }

    public long objectCount() {
        return contexts.stream().mapToLong(IommufdContext::objectCount).sum();
    }

    void forget(IommufdContext ctx) {
        contexts.remove(ctx);
    }
}
