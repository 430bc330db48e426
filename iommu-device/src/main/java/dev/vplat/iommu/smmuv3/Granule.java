package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.device.ConfigException;

/**
 * A VMSAv8-64 translation granule (Arm ARM D8.2): page size, bits resolved per level and which
 * levels may hold block descriptors without 52-bit addressing (FEAT_LPA/LPA2 are not offered).
 */
public enum Granule {
    G4K(12, 1, "4k"), G16K(14, 2, "16k"), G64K(16, 2, "64k");

    private final int pageShift;
    private final int firstBlockLevel;
    private final String text;

    Granule(int pageShift, int firstBlockLevel, String text) {
        this.pageShift = pageShift;
        this.firstBlockLevel = firstBlockLevel;
        this.text = text;
    }

    public int pageShift() {
        return pageShift;
    }

    public long pageSize() {
        return 1L << pageShift;
    }

    /** Index bits resolved by one table level: a table is one page of 8-byte descriptors. */
    public int stride() {
        return pageShift - 3;
    }

    /** log2 of the region one descriptor at {@code level} maps (level 3 = one page). */
    public int levelShift(int level) {
        return pageShift + stride() * (3 - level);
    }

    public boolean blockAllowed(int level) {
        return level >= firstBlockLevel && level < 3;
    }

    /** First lookup level for an input of {@code inputBits} bits, as TCR_ELx.TxSZ implies. */
    public int startLevel(int inputBits) {
        int levels = (inputBits - pageShift + stride() - 1) / stride();
        return 4 - levels;
    }

    /** CD.TG0 and STE.S2TG encoding: 00 4 KiB, 01 64 KiB, 10 16 KiB (IHI 0070 §5.2, §5.4). */
    static Granule fromTg0(long tg) {
        return tg == 0 ? G4K : tg == 1 ? G64K : tg == 2 ? G16K : null;
    }

    /** CD.TG1 encoding, which differs from TG0: 01 16 KiB, 10 4 KiB, 11 64 KiB. */
    static Granule fromTg1(long tg) {
        return tg == 1 ? G16K : tg == 2 ? G4K : tg == 3 ? G64K : null;
    }

    /** Range-invalidation TG encoding of commands: 01 4 KiB, 10 16 KiB, 11 64 KiB (IHI 0070 §4.4.1). */
    static Granule fromCommandTg(long tg) {
        return tg == 1 ? G4K : tg == 2 ? G16K : tg == 3 ? G64K : null;
    }

    static Granule parse(String s) {
        for (Granule g : values()) {
            if (g.text.equalsIgnoreCase(s)) {
                return g;
            }
        }
        throw new ConfigException("arm-smmuv3: unknown granule '" + s + "' (known: 4k, 16k, 64k)");
    }
}
