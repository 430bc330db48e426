package dev.vplat.iommu.smmuv3;

import dev.vplat.iommu.UnitScope;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertySpec;
import dev.vplat.platform.device.PropertyValues;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What one SMMUv3 instance implements, fixed at creation: these choices become the ID register
 * values (IHI 0070 §6.3.1–6.3.6) and decide which STE/CD encodings are legal.
 *
 * @param stages      translation stages offered (QEMU's {@code stage} property: 1, 2 or nested)
 * @param granules    translation granules offered in IDR5 (4 KiB is always among them in practice)
 * @param owner       who programs the unit: the host stack, or a guest driver under test
 * @param strict      report every use of a stale cached translation (trace line + counter)
 * @param oasBits     output address size, one of 32, 36, 40, 42, 44, 48
 * @param sidBits     IDR1.SIDSIZE
 * @param ssidBits    IDR1.SSIDSIZE (0 = no substreams)
 * @param pri         IDR0.PRI: PRI queue and CMD_PRI_RESP
 * @param ats         IDR0.ATS: CMD_ATC_INV legal (no device ATC is modelled)
 * @param twoLevelStreamTable IDR0.ST_LEVEL = 01
 * @param msi         IDR0.MSI: interrupts are MSIs; otherwise pulsed wired lines
 * @param scope       the requester IDs (= StreamIDs) the unit translates for
 * @param base        MMIO base of the 128 KiB register window
 */
public record SmmuV3Config(Stages stages, Set<Granule> granules, Owner owner, boolean strict, int oasBits,
                           int sidBits, int ssidBits, boolean pri, boolean ats, boolean twoLevelStreamTable,
                           boolean msi, UnitScope scope, long base) {
    public static final String TYPE_NAME = "arm-smmuv3";
    private static final int[] OAS_ENCODING = {32, 36, 40, 42, 44, 48};

    /** Which stages the unit implements (IDR0.S1P / S2P). */
    public enum Stages {
        S1, S2, NESTED;

        public boolean stage1() {
            return this != S2;
        }

        public boolean stage2() {
            return this != S1;
        }
    }

    /** Who drives the unit's registers (DESIGN.md decision 2). */
    public enum Owner {
        HOST, GUEST
    }

    public SmmuV3Config {
        granules = Set.copyOf(granules);
        if ((base & 0xFFFF) != 0) {
            throw new ConfigException(TYPE_NAME + ": base must be 64 KiB aligned");
        }
        if (granules.isEmpty()) {
            throw new ConfigException(TYPE_NAME + ": at least one granule is required");
        }
        if (oasCode(oasBits) < 0) {
            throw new ConfigException(TYPE_NAME + ": oas must be one of 32, 36, 40, 42, 44, 48 (got " + oasBits + ")");
        }
        if (sidBits < 1 || sidBits > 32 || ssidBits < 0 || ssidBits > 20) {
            throw new ConfigException(TYPE_NAME + ": sid-bits must be 1..32 and ssid-bits 0..20");
        }
    }

    /** QEMU's defaults for {@code -M virt,iommu=smmuv3}, with MSIs and 20-bit substreams added. */
    public static SmmuV3Config defaults() {
        return new SmmuV3Config(Stages.S1, EnumSet.allOf(Granule.class), Owner.HOST, false, 44, 16, 20,
                false, false, true, true, UnitScope.includeAll(), SmmuV3.VIRT_BASE);
    }

    public SmmuV3Config withStages(Stages s) {
        return new SmmuV3Config(s, granules, owner, strict, oasBits, sidBits, ssidBits, pri, ats,
                twoLevelStreamTable, msi, scope, base);
    }

    public SmmuV3Config withStrict(boolean on) {
        return new SmmuV3Config(stages, granules, owner, on, oasBits, sidBits, ssidBits, pri, ats,
                twoLevelStreamTable, msi, scope, base);
    }

    public SmmuV3Config withPri(boolean on) {
        return new SmmuV3Config(stages, granules, owner, strict, oasBits, sidBits, ssidBits, on, ats,
                twoLevelStreamTable, msi, scope, base);
    }

    public SmmuV3Config withMsi(boolean on) {
        return new SmmuV3Config(stages, granules, owner, strict, oasBits, sidBits, ssidBits, pri, ats,
                twoLevelStreamTable, on, scope, base);
    }

    public SmmuV3Config withPlacement(UnitScope unitScope, long windowBase) {
        return new SmmuV3Config(stages, granules, owner, strict, oasBits, sidBits, ssidBits, pri, ats,
                twoLevelStreamTable, msi, unitScope, windowBase);
    }

    public SmmuV3Config withGranules(Set<Granule> g) {
        return new SmmuV3Config(stages, g, owner, strict, oasBits, sidBits, ssidBits, pri, ats,
                twoLevelStreamTable, msi, scope, base);
    }

    public SmmuV3Config withSsidBits(int bits) {
        return new SmmuV3Config(stages, granules, owner, strict, oasBits, sidBits, bits, pri, ats,
                twoLevelStreamTable, msi, scope, base);
    }

    public SmmuV3Config withTwoLevelStreamTable(boolean on) {
        return new SmmuV3Config(stages, granules, owner, strict, oasBits, sidBits, ssidBits, pri, ats, on, msi, scope, base);
    }

    /** IDR5.OAS / CD.IPS / STE.S2PS encoding of an address size, or -1 if it has none. */
    static int oasCode(int bits) {
        for (int i = 0; i < OAS_ENCODING.length; i++) {
            if (OAS_ENCODING[i] == bits) {
                return i;
            }
        }
        return -1;
    }

    /** Address bits of an IPS/S2PS encoding, clamped to this unit's OAS (IHI 0070 §5.4 IPS). */
    int effectiveOutputBits(int code) {
        int bits = code < OAS_ENCODING.length ? OAS_ENCODING[code] : 52;
        return Math.min(bits, oasBits);
    }

    /** The device type's properties, named after QEMU's where QEMU has one. */
    public static PropertySchema schema() {
        return new PropertySchema()
                .add(PropertySpec.oneOf("stage", "1", "translation stages: 1, 2 or nested (QEMU's names)",
                        "1", "2", "nested"))
                .add(PropertySpec.string("granules", "4k+16k+64k", "granules offered, joined by '+'"))
                .add(PropertySpec.oneOf("owner", "host", "host: the host stack programs the unit; guest: raw",
                        "host", "guest"))
                .add(PropertySpec.bool("strict", false, "report each use of a stale cached translation"))
                .add(PropertySpec.uint("oas", 44, 32, 48, "output address size in bits (32,36,40,42,44,48)"))
                .add(PropertySpec.uint("sid-bits", 16, 1, 32, "StreamID bits (IDR1.SIDSIZE)"))
                .add(PropertySpec.uint("ssid-bits", 20, 0, 20, "SubstreamID bits (IDR1.SSIDSIZE)"))
                .add(PropertySpec.bool("pri", false, "PRI queue and CMD_PRI_RESP (IDR0.PRI)"))
                .add(PropertySpec.bool("ats", false, "advertise ATS so CMD_ATC_INV is legal (IDR0.ATS)"))
                .add(PropertySpec.bool("two-level-strtab", true, "two-level stream tables (IDR0.ST_LEVEL)"))
                .add(PropertySpec.bool("msi", true, "MSI interrupts (IDR0.MSI); off = pulsed wired lines"))
                .add(PropertySpec.string("scope", "all", "requester IDs translated: all, or BB:DD.F joined by '+'"))
                .add(PropertySpec.uint("base", SmmuV3.VIRT_BASE, 0, (1L << 52) - SmmuV3.WINDOW_SIZE,
                        "MMIO base of the 128 KiB register window"));
    }

    public static SmmuV3Config fromProperties(PropertyValues p) {
        Stages stages = switch (p.string("stage")) {
            case "2" -> Stages.S2;
            case "nested" -> Stages.NESTED;
            default -> Stages.S1;
        };
        EnumSet<Granule> granules = EnumSet.noneOf(Granule.class);
        for (String g : p.string("granules").split("\\+")) {
            granules.add(Granule.parse(g.trim()));
        }
        return new SmmuV3Config(stages, granules, Owner.valueOf(p.string("owner").toUpperCase(Locale.ROOT)),
                p.bool("strict"), (int) p.uint("oas"), (int) p.uint("sid-bits"), (int) p.uint("ssid-bits"),
                p.bool("pri"), p.bool("ats"), p.bool("two-level-strtab"), p.bool("msi"), scope(p.string("scope")),
                p.uint("base"));
    }

    private static UnitScope scope(String text) {
        try {
            return UnitScope.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(TYPE_NAME + ": property 'scope': " + e.getMessage());
        }
    }
}
