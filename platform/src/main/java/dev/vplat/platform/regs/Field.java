package dev.vplat.platform.regs;

/** A named bit field of a register, as the spec names it (GSTS.TES, CAP.FRO). */
public record Field(String name, int shift, int width) {
    public Field {
        if (shift < 0 || width < 1 || shift + width > 64) {
            throw new IllegalArgumentException("field " + name + " does not fit in 64 bits");
        }
    }

    public long mask() {
        return width == 64 ? -1L : ((1L << width) - 1) << shift;
    }

    public long get(long registerValue) {
        return (registerValue & mask()) >>> shift;
    }

    public long set(long registerValue, long fieldValue) {
        return (registerValue & ~mask()) | ((fieldValue << shift) & mask());
    }
}
