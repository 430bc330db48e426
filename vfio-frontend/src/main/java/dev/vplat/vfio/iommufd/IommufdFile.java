package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;

/** An open /dev/iommu: ioctls go through the table; the last close drops the file's context reference. */
final class IommufdFile implements OpenFile {
    private final IommufdContext ctx;

    IommufdFile(IommufdContext ctx) {
        this.ctx = ctx;
    }

    IommufdContext ctx() {
        return ctx;
    }

    @Override
    public String name() {
        return Iommufd.PATH;
    }

    @Override
    public long ioctl(Process process, int request, long arg) {
        return IommufdIoctls.TABLE.dispatch(ctx, process, request, arg);
    }

    @Override
    public void release(Process process) {
        ctx.put();
    }
}
