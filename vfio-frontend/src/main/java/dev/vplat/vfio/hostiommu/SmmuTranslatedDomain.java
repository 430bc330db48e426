package dev.vplat.vfio.hostiommu;

import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.failnth.FailNth;
import dev.vplat.vfio.kernel.failnth.FaultPoint;

import java.util.ArrayList;
import java.util.List;

/**
 * An SMMUv3 domain that translates (struct arm_smmu_domain with io-pgtable-arm): stage 1 tagged
 * by an ASID, or stage 2 tagged by a VMID, over an AArch64 4 KiB-granule table. A mapping uses
 * the largest of 1 GiB, 2 MiB and 4 KiB that the IOVA, the address and the remaining length
 * allow, as iommu_map splits by the page-size bitmap. New mappings need no invalidation (the
 * unit never caches a fault, and Linux's SMMUv3 driver issues none); unmapping clears the leaves
 * and invalidates them by range, one run of same-sized leaves at a time, then CMD_SYNC.
 */
final class SmmuTranslatedDomain extends PageTableDomain {
    private static final int[] LEAF_LEVELS = {1, 2, 3};

    private final SmmuV3HostDriver unit;
    private final boolean stage2;
    private final int tag;
    private final LpaeTable table;

    SmmuTranslatedDomain(SmmuV3HostDriver unit, DomainType type, boolean stage2, int tag, LpaeTable table) {
        super(unit, type);
        this.unit = unit;
        this.stage2 = stage2;
        this.tag = tag;
        this.table = table;
    }

    @Override
    public long pageSizeBitmap() {
        return SmmuV3HostDriver.PAGE_SIZES;
    }

    /** 2^ias − 1: 48 bits for stage 1, the unit's IAS for stage 2 (domain geometry in Linux). */
    @Override
    public long apertureEnd() {
        return (1L << table.inputBits()) - 1;
    }

    boolean stage2() {
        return stage2;
    }

    /** The ASID (stage 1) or VMID (stage 2). */
    int tag() {
        return tag;
    }

    LpaeTable table() {
        return table;
    }

    /**
     * Linux's io-pgtable-arm maps nothing (and reports success) for a mapping with neither read
     * nor write permission; so does this domain.
     */
    @Override
    public void map(long iova, long gpa, long length, int prot) {
        checkMap(iova, gpa, length);
        if (table.anyMapped(iova, length)) {
            throw new ErrnoException(Errno.EEXIST, String.format("[0x%x, +0x%x) is already partly mapped", iova, length));
        }
        if ((prot & (PROT_READ | PROT_WRITE)) == 0) {
            return;
        }
        FailNth.point(FaultPoint.DOMAIN_MAP);
        long done = 0;
        try {
            while (done < length) {
                int level = leafLevel(iova + done, gpa + done, length - done);
                table.map(iova + done, gpa + done, level, prot);
                done += LpaeTable.blockSize(level);
            }
        } catch (ErrnoException e) {
            unmap(iova, done);
            throw e;
        }
    }

    private static int leafLevel(long iova, long gpa, long remaining) {
        for (int level : LEAF_LEVELS) {
            long size = LpaeTable.blockSize(level);
            if (((iova | gpa) & (size - 1)) == 0 && remaining >= size) {
                return level;
            }
        }
        return 3;
    }

    /**
     * Clears every leaf wholly inside the range. Like io-pgtable-arm since Linux 6.12, a block only
     * partly inside is not split: unmapping stops there and returns what was unmapped before it.
     */
    @Override
    public long unmap(long iova, long length) {
        if (length == 0) {
            return 0;
        }
        checkRange(iova, length);
        long end = iova + length;
        long at = iova;
        long unmapped = 0;
        List<long[]> runs = new ArrayList<>();
        while (at < end) {
            LpaeTable.Walk w = table.walk(at);
            long size = w.size();
            long start = at & -size;
            if (!w.leaf()) {
                at = start + size;
                continue;
            }
            if (start != at || end - at < size) {
                break;
            }
            table.clear(w);
            long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last[2] == size && last[0] + last[1] == at) {
                last[1] += size;
            } else {
                runs.add(new long[] {at, size, size});
            }
            unmapped += size;
            at += size;
        }
        for (long[] run : runs) {
            unit.invalidateRange(this, run[0], run[1], run[2]);
        }
        return unmapped;
    }

    @Override
    long lookup(long iova) {
        return table.lookup(iova);
    }

    /** arm_smmu_domain_free_paging: TLB entries of the ASID/VMID invalidated, tables and tag released. */
    @Override
    void release() {
        unit.invalidateAll(this);
        table.free();
        unit.releaseTag(stage2, tag);
    }

    @Override
    public String toString() {
        return String.format("%s stage %d domain %s %d of %s", type().wireName(), stage2 ? 2 : 1,
                stage2 ? "VMID" : "ASID", tag, unit.unitId());
    }
}
