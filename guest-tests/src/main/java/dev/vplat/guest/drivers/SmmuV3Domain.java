package dev.vplat.guest.drivers;

/**
 * A guest driver's stage 1 domain on one SMMUv3 (Linux {@code struct arm_smmu_domain}): the
 * ASID that tags its TLB entries and the translation table its devices' context descriptors
 * point to.
 */
public record SmmuV3Domain(int asid, Stage1Table table) {
}
