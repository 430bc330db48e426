package dev.vplat.iommu.vtd;

import dev.vplat.iommu.UnitScope;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertySpec;
import dev.vplat.platform.device.PropertyValues;

/**
 * The configuration of one VT-d unit, with QEMU's {@code -device intel-iommu} property names,
 * and the CAP/ECAP values it implies. The capability bits follow QEMU 10's {@code vtd_cap_init}
 * (hw/i386/intel_iommu.c) under TCG, so the defaults read CAP 0x00D2008C222F0606 and ECAP
 * 0x00F00F4A; the field positions are those of VT-d spec §11.4.2/§11.4.3.
 */
public record VtdConfig(int awBits, boolean cachingMode, boolean intremap, boolean eim, boolean deviceIotlb,
                        boolean pt, boolean dmaDrain, boolean dmaTranslation, boolean scalableMode, boolean flts,
                        boolean fs1gp, boolean pasidMode, boolean snoopControl, int faultRecords, Owner owner,
                        boolean strict, UnitScope scope, long base) {

    /** Who drives the unit: the Java host stack or a guest driver under test (DESIGN.md decision 2). */
    public enum Owner { HOST, GUEST }

    /** Default MMIO base of the unit on the x86 preset (QEMU's Q35_HOST_BRIDGE_IOMMU_ADDR). */
    public static final long DEFAULT_BASE = 0xFED9_0000L;
    /** FRO = 0x22: fault records start at 0x220, as in QEMU. */
    static final int FRO = 0x22;
    /** IRO = 0xF: IVA at 0xF0, IOTLB at 0xF8, as in QEMU. */
    static final int IRO = 0x0F;
    /** The 4 KiB register window holds this many 16-byte fault records after FRO·16. */
    public static final int MAX_FAULT_RECORDS = (0x1000 - FRO * 16) / 16;
    /** MAMV: the largest address mask a page-selective invalidation may use. */
    static final int MAMV = 18;
    /** PASID width − 1 (20-bit PASIDs). */
    static final int PSS = 19;

    public VtdConfig {
        if (awBits != 39 && awBits != 48) {
            throw new ConfigException("intel-iommu: supported values for aw-bits are: 39, 48");
        }
        if (eim && !intremap) {
            throw new ConfigException("intel-iommu: eim=on requires intremap=on");
        }
        if (flts && !scalableMode) {
            throw new ConfigException("intel-iommu: x-flts=on requires x-scalable-mode=on");
        }
        if (flts && awBits != 48) {
            throw new ConfigException("intel-iommu: x-flts=on requires aw-bits=48");
        }
        if (pasidMode && !scalableMode) {
            throw new ConfigException("intel-iommu: x-pasid-mode=on requires x-scalable-mode=on");
        }
        if (scalableMode && !dmaDrain) {
            throw new ConfigException("intel-iommu: x-scalable-mode=on requires dma-drain=on");
        }
        if (faultRecords < 1 || faultRecords > MAX_FAULT_RECORDS) {
            throw new ConfigException("intel-iommu: fault-records must be 1.." + MAX_FAULT_RECORDS);
        }
    }

    /** QEMU's defaults (QEMU 10, pc-q35 ≥ 9.2, TCG) with a guest owner and include-all scope. */
    public static VtdConfig defaults() {
        return fromProperties(schema().resolve("intel-iommu", java.util.Map.of()));
    }

    public static PropertySchema schema() {
        return new PropertySchema()
                .add(PropertySpec.uint("aw-bits", 48, 39, 48, "guest address width: 39 (3-level) or 48 (4-level)"))
                .add(PropertySpec.bool("caching-mode", false, "CAP.CM: hardware may cache not-present entries"))
                .add(PropertySpec.bool("intremap", true, "ECAP.IR: interrupt remapping"))
                .add(PropertySpec.bool("eim", false, "ECAP.EIM: x2APIC (32-bit) interrupt destinations"))
                .add(PropertySpec.bool("device-iotlb", false, "ECAP.DT: device-TLB (ATS), context TT=01"))
                .add(PropertySpec.bool("pt", true, "ECAP.PT: pass-through translation type"))
                .add(PropertySpec.bool("dma-drain", true, "CAP.DRD/DWD: read and write draining"))
                .add(PropertySpec.bool("dma-translation", true, "DMA remapping (off: SAGAW=0, GCMD.TE ignored)"))
                .add(PropertySpec.bool("x-scalable-mode", false, "ECAP.SMTS: scalable-mode tables"))
                .add(PropertySpec.bool("x-flts", false, "ECAP.FLTS: first-level (x86-64 format) translation"))
                .add(PropertySpec.bool("fs1gp", true, "CAP.FS1GP: 1 GiB first-level pages (with x-flts)"))
                .add(PropertySpec.bool("x-pasid-mode", false, "ECAP.PASID: requests with PASID"))
                .add(PropertySpec.bool("snoop-control", false, "ECAP.SC: SNP bit in second-level leaves"))
                .add(PropertySpec.uint("fault-records", 1, 1, MAX_FAULT_RECORDS, "number of fault recording registers"))
                .add(PropertySpec.oneOf("owner", "guest", "who programs the unit", "host", "guest"))
                .add(PropertySpec.bool("strict", false, "check cached translations against memory (missing-invalidation detector)"))
                .add(PropertySpec.string("scope", "all", "'all' or requester IDs such as 00:03.0+00:04.0"))
                .add(PropertySpec.uint("base", DEFAULT_BASE, 0, 0x7FFF_FFFF_FFFF_F000L, "MMIO base of the register window"));
    }

    public static VtdConfig fromProperties(PropertyValues p) {
        UnitScope scope;
        try {
            scope = UnitScope.parse(p.string("scope"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("intel-iommu: property 'scope': " + e.getMessage());
        }
        if ((p.uint("base") & 0xFFF) != 0) {
            throw new ConfigException("intel-iommu: base must be 4 KiB aligned");
        }
        return new VtdConfig((int) p.uint("aw-bits"), p.bool("caching-mode"), p.bool("intremap"), p.bool("eim"),
                p.bool("device-iotlb"), p.bool("pt"), p.bool("dma-drain"), p.bool("dma-translation"),
                p.bool("x-scalable-mode"), p.bool("x-flts"), p.bool("fs1gp"), p.bool("x-pasid-mode"),
                p.bool("snoop-control"), (int) p.uint("fault-records"),
                p.string("owner").equals("host") ? Owner.HOST : Owner.GUEST, p.bool("strict"), scope, p.uint("base"));
    }

    /** CAP_REG (spec §11.4.2) as QEMU's vtd_cap_init fills it. */
    public long capability() {
        long cap = 6L                                  // ND: 16-bit domain ids
                | (long) (awBits - 1) << 16           // MGAW
                | (long) FRO << 24
                | 3L << 34                            // SLLPS: 2 MiB and 1 GiB
                | 1L << 39                            // PSI
                | (long) (faultRecords - 1) << 40     // NFR
                | (long) MAMV << 48;
        if (dmaTranslation) {
            cap |= 1L << 9;                           // SAGAW: 39-bit, 3-level
            if (awBits >= 48) {
                cap |= 1L << 10;                      // SAGAW: 48-bit, 4-level
            }
        }
        if (cachingMode) {
            cap |= 1L << 7;
        }
        if (dmaDrain) {
            cap |= 3L << 54;                          // DWD, DRD
        }
        if (flts && fs1gp) {
            cap |= 1L << 56;                          // FS1GP
        }
        return cap;
    }

    /** ECAP_REG (spec §11.4.3) as QEMU's vtd_cap_init fills it. */
    public long extendedCapability() {
        long ecap = 1L << 1                           // QI
                | (long) IRO << 8;
        if (deviceIotlb) {
            ecap |= 1L << 2;
        }
        if (intremap) {
            ecap |= 1L << 3 | 15L << 20;              // IR, MHMV
        }
        if (eim) {
            ecap |= 1L << 4;
        }
        if (pt) {
            ecap |= 1L << 6;
        }
        if (snoopControl) {
            ecap |= 1L << 7;
        }
        if (scalableMode) {
            ecap |= 1L << 43;                         // SMTS
            if (flts) {
                ecap |= 1L << 47;                     // FLTS
            } else {
                ecap |= 1L << 31 | 1L << 46;          // SRS, SLTS
            }
        }
        if (pasidMode) {
            ecap |= 1L << 40 | (long) PSS << 35;      // PASID, PSS
        }
        return ecap;
    }

    /** Second-level page-table levels the unit accepts (CAP.SAGAW bit n ⇔ AW code n). */
    boolean supportsAw(int aw) {
        return aw >= 0 && aw <= 4 && (capability() >>> (8 + aw) & 1) != 0;
    }

    boolean secondLevelSupported() {
        return dmaTranslation && (!scalableMode || !flts);
    }

    /** Host address width: bits at and above it are reserved in table pointers. */
    long hawMask() {
        return (1L << awBits) - 1;
    }
}
