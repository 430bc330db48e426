package dev.vplat.vfio.hostiommu;

import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

/**
 * A domain whose page table the host driver writes in guest RAM with 4 KiB pages (VT-d second
 * level, Arm LPAE): the aperture starts at IOVA 0 and ends where the table's input size does,
 * map and unmap check the range against it (EINVAL outside, as iommu_map does), and freeing
 * releases the table and the hardware tag once.
 */
abstract class PageTableDomain extends DriverDomain {
    static final long PAGE = 4096;

    private boolean freed;

    PageTableDomain(HostIommu unit, DomainType type) {
        super(unit, type);
    }

    @Override
    public final long apertureStart() {
        return 0;
    }

    /** The address {@code iova} maps to in the table, or -1. */
    abstract long lookup(long iova);

    /** Releases what the domain holds in hardware: cached translations, table pages, its tag. */
    abstract void release();

    @Override
    public final long iovaToPhys(long iova) {
        return iova < 0 || iova > apertureEnd() ? -1 : lookup(iova);
    }

    /** What map requires: a range inside the aperture, with IOVA, address and length 4 KiB aligned. */
    final void checkMap(long iova, long gpa, long length) {
        checkRange(iova, length);
        if (((iova | gpa | length) & (PAGE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "iova, address and length must be 4 KiB aligned");
        }
    }

    final void checkRange(long iova, long length) {
        long end = apertureEnd();
        if (length <= 0 || iova < 0 || iova + length - 1 > end || iova + length - 1 < iova) {
            throw new ErrnoException(Errno.EINVAL, String.format("[0x%x, +0x%x) is outside the aperture [0, 0x%x]",
                    iova, length, end));
        }
    }

    /** Frees the domain; it must be detached from every device. A second free does nothing. */
    @Override
    public final void free() {
        requireDetached();
        if (!freed) {
            freed = true;
            release();
        }
    }
}
