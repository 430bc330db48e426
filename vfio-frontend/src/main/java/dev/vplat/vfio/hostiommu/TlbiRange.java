package dev.vplat.vfio.hostiommu;

import java.util.ArrayList;
import java.util.List;

/**
 * The TLB invalidation commands for a range of leaves of one size, as Linux's
 * __arm_smmu_tlb_inv_range builds them: with range invalidation (IDR3.RIL) each command covers
 * (NUM+1)·2^SCALE 4 KiB pages, at most 32 · 2^SCALE, with TG = 4 KiB and the leaf level as the TTL
 * hint; without it, one CMD_TLBI_NH_VA / CMD_TLBI_S2_IPA per leaf.
 */
final class TlbiRange {
    private static final int PAGE_SHIFT = 12;
    /** CMDQ_TLBI_RANGE_NUM_MAX: NUM is 5 bits. */
    private static final long NUM_MAX = 31;

    private TlbiRange() {
    }

    /**
     * @param stage2  CMD_TLBI_S2_IPA tagged by VMID, else CMD_TLBI_NH_VA tagged by ASID
     * @param granule the size of the leaves being invalidated (4 KiB, 2 MiB or 1 GiB)
     */
    static List<SmmuCommandQueue.Command> commands(boolean stage2, int tag, long iova, long size, long granule,
                                                   boolean rangeInvalidation) {
        List<SmmuCommandQueue.Command> out = new ArrayList<>();
        long end = iova + size;
        if (!rangeInvalidation) {
            for (long at = iova; at < end; at += granule) {
                out.add(SmmuCommandQueue.tlbiRange(stage2, tag, at, 0, 0, 0, 0));
            }
            return out;
        }
        int tg = (PAGE_SHIFT - 10) / 2;
        int ttl = 4 - (Long.numberOfTrailingZeros(granule) - 3) / (PAGE_SHIFT - 3);
        long numPages = size >>> PAGE_SHIFT;
        long at = iova;
        while (at < end) {
            int scale = Long.numberOfTrailingZeros(numPages);
            long num = (numPages >>> scale) & NUM_MAX;
            out.add(SmmuCommandQueue.tlbiRange(stage2, tag, at, tg, (int) num - 1, scale, ttl));
            at += num << (scale + PAGE_SHIFT);
            numPages -= num << scale;
        }
        return out;
    }
}
