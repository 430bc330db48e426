package dev.vplat.vfio.hostiommu;

import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

/**
 * A VT-d domain that translates through a second-level table (struct dmar_domain): an unmanaged
 * user domain, the DMA-API default domain, or an identity-mapped table on a unit without
 * pass-through. Mappings use 4 KiB leaves. Each unmap call is followed by one page-selective
 * IOTLB invalidation covering its whole range (or, past CAP.MAMV, a domain-selective one), as
 * Linux gathers an unmap's pages into one flush (iommu_iotlb_gather); a map only needs one
 * when the unit caches not-present entries (CAP.CM), see {@link VtdHostDriver#syncMap}.
 */
final class VtdTranslatedDomain implements PagingDomain {
    private static final long PAGE = 4096;

    private final VtdHostDriver unit;
    private final DomainType type;
    private final int domainId;
    private final SecondLevelTable table;
    private final long apertureEnd;
    private int attachedDevices;
    private boolean freed;

    VtdTranslatedDomain(VtdHostDriver unit, DomainType type, int domainId, SecondLevelTable table, long apertureEnd) {
        this.unit = unit;
        this.type = type;
        this.domainId = domainId;
        this.table = table;
        this.apertureEnd = apertureEnd;
    }

    @Override
    public DomainType type() {
        return type;
    }

    @Override
    public HostIommu iommu() {
        return unit;
    }

    @Override
    public String driverName() {
        return VtdHostDriver.DRIVER_NAME;
    }

    /** 4 KiB only: the driver maps with 4 KiB leaves. */
    @Override
    public long pageSizeBitmap() {
        return PAGE;
    }

    @Override
    public long apertureStart() {
        return 0;
    }

    @Override
    public long apertureEnd() {
        return apertureEnd;
    }

    int domainId() {
        return domainId;
    }

    SecondLevelTable table() {
        return table;
    }

    void attached(int delta) {
        attachedDevices += delta;
    }

    @Override
    public void map(long iova, long gpa, long length, int prot) {
        checkRange(iova, length);
        if (((iova | gpa | length) & (PAGE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "iova, address and length must be 4 KiB aligned");
        }
        long mapped = table.firstMapped(iova, length);
        if (mapped != -1) {
            throw new ErrnoException(Errno.EEXIST, String.format("IOVA 0x%x is already mapped", mapped));
        }
        long pte = ((prot & PROT_READ) != 0 ? SecondLevelTable.PTE_READ : 0)
                | ((prot & PROT_WRITE) != 0 ? SecondLevelTable.PTE_WRITE : 0);
        table.mapPages(iova, gpa, length, pte);
        unit.syncMap(domainId, iova, length);
    }

    /** Identity-maps a RAM range with the largest leaves the unit supports (si_domain). */
    void mapIdentity(long start, long length, boolean twoMegabyteLeaves) {
        long rw = SecondLevelTable.PTE_READ | SecondLevelTable.PTE_WRITE;
        long addr = start;
        long end = start + length;
        while (addr < end) {
            long big = 2L << 20;
            if (twoMegabyteLeaves && (addr & (big - 1)) == 0 && end - addr >= big) {
                table.map(addr, addr, 2, rw);
                addr += big;
            } else {
                table.map(addr, addr, 1, rw);
                addr += PAGE;
            }
        }
    }

    @Override
    public long unmap(long iova, long length) {
        checkRange(iova, length);
        long unmapped = table.unmapPages(iova, length);
        if (unmapped > 0) {
            unit.flushIotlbRange(domainId, iova, length);
        }
        return unmapped;
    }

    @Override
    public long iovaToPhys(long iova) {
        return iova < 0 || iova > apertureEnd ? -1 : table.lookup(iova);
    }

    private void checkRange(long iova, long length) {
        if (length <= 0 || iova < 0 || iova + length - 1 > apertureEnd || iova + length - 1 < iova) {
            throw new ErrnoException(Errno.EINVAL, String.format("[0x%x, +0x%x) is outside the aperture [0, 0x%x]",
                    iova, length, apertureEnd));
        }
    }

    @Override
    public void free() {
        if (attachedDevices > 0) {
            throw new IllegalStateException("domain " + domainId + " is still attached to " + attachedDevices + " device(s)");
        }
        if (!freed) {
            freed = true;
            table.free();
            unit.releaseDomainId(domainId);
        }
    }

    @Override
    public String toString() {
        return type.wireName() + " domain " + domainId + " of " + unit.unitId();
    }
}
