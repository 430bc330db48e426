package dev.vplat.platform.regs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongUnaryOperator;

/**
 * One register declared once: name, offset, width, reset value and access masks, after QEMU's
 * {@code vtd_define_quad(addr, reset, wmask, w1cmask)} and Renode's named fields. A guest write
 * of {@code v} over the bytes it covers does, in order: read-write bits take {@code v},
 * write-1-to-clear bits are cleared where {@code v} has ones, write-1-to-set bits are set where
 * {@code v} has ones; all other bits (read-only and reserved) keep their value. The write hook
 * then sees the result and may perform side effects, typically updating other registers
 * through {@link #set(long)}. A guest read returns the stored value (or what the read hook
 * computes from it) with write-only and reserved-zero bits forced to 0.
 */
public final class Register {
    /** Side effect of a guest write, run after the masks have been applied. */
    @FunctionalInterface
    public interface WriteHook {
        void onWrite(RegisterWrite write);
    }

    private final String name;
    private final int offset;
    private final int width;
    private final long resetValue;
    private final long rwMask;
    private final long w1cMask;
    private final long w1sMask;
    private final long readMask;
    private final List<Field> fields;
    private final WriteHook writeHook;
    private final LongUnaryOperator readHook;
    private long value;

    private Register(Builder b) {
        this.name = b.name;
        this.offset = b.offset;
        this.width = b.width;
        this.resetValue = b.resetValue;
        // Masks are cut to the width, so rw(-1L) means "every bit"; a reset value or field
        // beyond the width is a declaration mistake.
        long width = widthMask(b.width);
        long rw = b.rwMask & width;
        long w1c = b.w1cMask & width;
        long w1s = b.w1sMask & width;
        long reserved = b.reservedMask & width;
        check(b, b.resetValue & ~width, "resets bits beyond its width");
        check(b, (rw & w1c) | (rw & w1s) | (w1c & w1s), "gives a bit two write behaviours");
        check(b, reserved & (rw | w1c | w1s), "has writable reserved bits");
        check(b, reserved & b.resetValue, "resets reserved-zero bits to 1");
        for (Field f : b.fields) {
            check(b, f.mask() & ~width, "has field " + f.name() + " beyond its width");
        }
        this.rwMask = rw;
        this.w1cMask = w1c;
        this.w1sMask = w1s;
        this.readMask = width & ~(reserved | b.writeOnlyMask);
        this.fields = List.copyOf(b.fields);
        this.writeHook = b.writeHook;
        this.readHook = b.readHook;
        this.value = resetValue;
    }

    private static void check(Builder b, long offendingBits, String problem) {
        if (offendingBits != 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "register %s %s (bits 0x%x)",
                    b.name, problem, offendingBits));
        }
    }

    public static Builder u8(String name, int offset) {
        return new Builder(name, offset, 1);
    }

    public static Builder u16(String name, int offset) {
        return new Builder(name, offset, 2);
    }

    public static Builder u32(String name, int offset) {
        return new Builder(name, offset, 4);
    }

    public static Builder u64(String name, int offset) {
        return new Builder(name, offset, 8);
    }

    public String name() {
        return name;
    }

    public int offset() {
        return offset;
    }

    public int width() {
        return width;
    }

    public long resetValue() {
        return resetValue;
    }

    public List<Field> fields() {
        return fields;
    }

    /** The stored value, as the model sees it (ignores write-only masking). */
    public long value() {
        return value;
    }

    /** Sets the stored value from the model side: no masks, no hooks. */
    public void set(long newValue) {
        value = newValue & widthMask(width);
    }

    public long get(Field field) {
        return field.get(value);
    }

    public void set(Field field, long fieldValue) {
        set(field.set(value, fieldValue));
    }

    public Field field(String fieldName) {
        for (Field f : fields) {
            if (f.name().equals(fieldName)) {
                return f;
            }
        }
        throw new IllegalArgumentException(name + " has no field " + fieldName);
    }

    public void reset() {
        value = resetValue;
    }

    /** Bits a guest read can see: all but the write-only and reserved-zero ones. */
    public long readMask() {
        return readMask;
    }

    /** Value a guest read returns: through the read hook, with invisible bits forced to 0. */
    long guestRead() {
        if (readMask == 0) {
            return 0;
        }
        return (readHook == null ? value : readHook.applyAsLong(value)) & readMask;
    }

    /** Applies a guest write of {@code written} over the bytes in {@code byteMask}. */
    RegisterWrite guestWrite(long written, long byteMask) {
        long old = value;
        long v = old;
        v = (v & ~(rwMask & byteMask)) | (written & rwMask & byteMask);
        v &= ~(written & w1cMask & byteMask);
        v |= written & w1sMask & byteMask;
        value = v;
        RegisterWrite w = new RegisterWrite(this, old, v, written, byteMask);
        if (writeHook != null) {
            writeHook.onWrite(w);
        }
        return w;
    }

    /** Trace text naming fields, e.g. {@code GCMD.TE=1 SRTP=0}; falls back to the hex value. */
    public String describe(long v) {
        if (fields.isEmpty()) {
            return String.format(Locale.ROOT, "%s=0x%x", name, v);
        }
        StringBuilder sb = new StringBuilder(name).append('.');
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (i > 0) {
                sb.append(' ');
            }
            long fv = f.get(v);
            sb.append(f.name()).append('=').append(f.width() == 1 ? Long.toString(fv) : "0x" + Long.toHexString(fv));
        }
        return sb.toString();
    }

    static long widthMask(int width) {
        return width == 8 ? -1L : (1L << (width * 8)) - 1;
    }

    /** Fluent declaration, so each register's rules read as one line of the spec's table. */
    public static final class Builder {
        private final String name;
        private final int offset;
        private final int width;
        private long resetValue;
        private long rwMask;
        private long w1cMask;
        private long w1sMask;
        private long reservedMask;
        private long writeOnlyMask;
        private final List<Field> fields = new ArrayList<>();
        private WriteHook writeHook;
        private LongUnaryOperator readHook;

        private Builder(String name, int offset, int width) {
            if ((offset & (width - 1)) != 0) {
                throw new IllegalArgumentException("register " + name + " at 0x" + Integer.toHexString(offset)
                        + " is not aligned to its width");
            }
            this.name = name;
            this.offset = offset;
            this.width = width;
        }

        public Builder reset(long value) {
            this.resetValue = value;
            return this;
        }

        /**
         * An {@code int} reset value is a 32-bit pattern: zero-extended, so a literal like
         * {@code 0x8000_0000} means bit 31 and not the 64-bit sign extension Java would give it.
         */
        public Builder reset(int value) {
            return reset(value & 0xFFFF_FFFFL);
        }

        /** Bits that take the written value. Bits not named by any mask are read-only. */
        public Builder rw(long mask) {
            this.rwMask |= mask;
            return this;
        }

        public Builder w1c(long mask) {
            this.w1cMask |= mask;
            return this;
        }

        public Builder w1s(long mask) {
            this.w1sMask |= mask;
            return this;
        }

        /** Reads return zero (command registers such as VT-d GCMD). */
        public Builder writeOnly() {
            this.writeOnlyMask = -1L >>> (64 - 8 * width);
            return this;
        }

        /** Bits that take writes (through their rw/w1c/w1s mask) but always read as 0 (VT-d CCMD.SID). */
        public Builder writeOnly(long mask) {
            this.writeOnlyMask |= mask;
            return this;
        }

        /** Reserved-zero (RsvdZ) bits: writes are ignored and reads return 0. */
        public Builder reserved(long mask) {
            this.reservedMask |= mask;
            return this;
        }

        public Builder field(String fieldName, int bit) {
            fields.add(new Field(fieldName, bit, 1));
            return this;
        }

        public Builder field(String fieldName, int shift, int fieldWidth) {
            fields.add(new Field(fieldName, shift, fieldWidth));
            return this;
        }

        public Builder onWrite(WriteHook hook) {
            this.writeHook = hook;
            return this;
        }

        /** Computes the value a guest read sees from the stored value (live counters, status). */
        public Builder onRead(LongUnaryOperator hook) {
            this.readHook = hook;
            return this;
        }

        public Register build() {
            return new Register(this);
        }
    }
}
