package dev.vplat.platform.regs;

/**
 * What a guest write did to a register: the value before, the value after the access masks were
 * applied, the raw value written (aligned to the register) and which bytes the access covered.
 * A 64-bit register written as two 32-bit halves produces one event per half, so side effects
 * that need the whole value can wait for {@link #coversHighHalf()}.
 */
public record RegisterWrite(Register register, long oldValue, long newValue, long written, long byteMask) {
    public boolean coversLowHalf() {
        return (byteMask & 0xFFFF_FFFFL) != 0;
    }

    public boolean coversHighHalf() {
        return (byteMask >>> 32) != 0;
    }

    /** Bits that a write-1 action targets: set in the written value and in the bytes covered. */
    public long onesWritten() {
        return written & byteMask;
    }

    public boolean wrote(Field field) {
        return (byteMask & field.mask()) != 0;
    }
}
