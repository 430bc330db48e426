package dev.vplat.vfio.iommufd;

import java.util.ArrayList;
import java.util.List;

/** An IO address space object (ioas.c struct iommufd_ioas): an io_pagetable and the paging HWPTs built on it. */
public final class Ioas extends IommufdObject {
    private final IoPagetable iopt = new IoPagetable();
    final List<HwPagetable> hwpts = new ArrayList<>();

    Ioas(IommufdContext ctx) {
        super(Type.IOAS, ctx);
    }

    public IoPagetable iopt() {
        return iopt;
    }

    /** iommufd_ioas_destroy: unmaps everything, then frees the table. */
    @Override
    protected void destroy() {
        iopt.destroy();
    }
}
