package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;

/**
 * Register access to one VT-d unit, with the access widths Linux uses (64-bit for
 * CAP/ECAP/RTADDR/IQA/IOTLB/IVA, 32-bit for GCMD/GSTS/FSTS/FECTL/IQT and the FRCD dwords);
 * {@link #waitFor} is IOMMU_WAIT_OP.
 */
final class DmarMmio extends UnitMmio {
    DmarMmio(GuestMemory system, long base, String unitId) {
        super(system, base, unitId);
    }

    @Override
    String timedOut(String what) {
        return "DMAR hardware is malfunctioning (" + what + " never completed)";
    }
}
