package dev.vplat.vfio.hostiommu;

import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

/**
 * A VT-d domain that translates through a second-level table (struct dmar_domain): an unmanaged
 * user domain, the DMA-API default domain, or an identity-mapped table on a unit without
 * pass-through. Mappings use 4 KiB leaves. Each unmap call is followed by one page-selective
 * IOTLB invalidation covering its whole range (or, past CAP.MAMV, a domain-selective one), as
 * Linux gathers an unmap's pages into one flush (iommu_iotlb_gather); a map only needs one
 * when the unit caches not-present entries (CAP.CM), see {@link VtdHostDriver#syncMap}.
 */
final class VtdTranslatedDomain extends PageTableDomain {
    private final VtdHostDriver unit;
    private final int domainId;
    private final SecondLevelTable table;
    private final long apertureEnd;

    VtdTranslatedDomain(VtdHostDriver unit, DomainType type, int domainId, SecondLevelTable table, long apertureEnd) {
        super(unit, type);
        this.unit = unit;
        this.domainId = domainId;
        this.table = table;
        this.apertureEnd = apertureEnd;
    }

    /** 4 KiB only: the driver maps with 4 KiB leaves. */
    @Override
    public long pageSizeBitmap() {
        return PAGE;
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

    @Override
    public void map(long iova, long gpa, long length, int prot) {
        checkMap(iova, gpa, length);
        long mapped = table.firstMapped(iova, length);
        if (mapped != -1) {
            throw new ErrnoException(Errno.EEXIST, String.format("IOVA 0x%x is already mapped", mapped));
        }
        FailNth.point(FaultPoint.DOMAIN_MAP);
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
    long lookup(long iova) {
        return table.lookup(iova);
    }

    @Override
    void release() {
        table.free();
        unit.releaseDomainId(domainId);
    }

    @Override
    public String toString() {
        return type().wireName() + " domain " + domainId + " of " + unit.unitId();
    }
}
