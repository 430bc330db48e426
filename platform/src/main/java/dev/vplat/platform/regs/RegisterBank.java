package dev.vplat.platform.regs;

import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A window of declared registers that serves MMIO (or PCI config space). Lookup is a table
 * indexed by offset at the granularity of the narrowest register declared (4 bytes unless 8-
 * or 16-bit registers are present), so dispatch costs a shift and an array load.
 *
 * <p>An access inside one register reads or writes the bytes it covers (a 32-bit half of a
 * 64-bit register, a byte of a 32-bit one). An access spanning several registers (an 8-byte
 * read of two adjacent 32-bit registers, a 32-bit read of PCI Command and Status) is split
 * into one piece per register, each with its own byte mask, as QEMU's VT-d model and PCI
 * config space behave; bytes no register covers read as {@link #unassignedRead(long)} and
 * ignore writes.
 */
public final class RegisterBank implements MmioOps {
    private static final int WIDEST_GRANULE_SHIFT = 2;

    private final String owner;
    private final int size;
    private Register[] slots;
    private int granuleShift = WIDEST_GRANULE_SHIFT;
    private final List<Register> registers = new ArrayList<>();
    private final Trace trace;
    private final TraceCategory category;
    private long unassignedRead;

    public RegisterBank(String owner, int size, Trace trace, TraceCategory category) {
        if (size <= 0 || (size & 3) != 0) {
            throw new IllegalArgumentException("bank size must be a positive multiple of 4");
        }
        this.owner = owner;
        this.size = size;
        this.slots = new Register[size >>> granuleShift];
        this.trace = trace;
        this.category = category;
    }

    /** What bytes without a register read as (0 by default, as VT-d's undefined offsets do). */
    public RegisterBank unassignedRead(long value) {
        this.unassignedRead = value;
        return this;
    }

    public Register define(Register.Builder builder) {
        return add(builder.build());
    }

    public Register add(Register r) {
        if (r.offset() < 0 || r.offset() > size - r.width()) {
            throw new IllegalArgumentException(owner + ": register " + r.name() + " outside the bank");
        }
        for (int b = r.offset(); b < r.offset() + r.width(); b++) {
            Register other = registerAtByte(b);
            if (other != null) {
                throw new IllegalArgumentException(owner + ": register " + r.name() + " overlaps " + other.name());
            }
        }
        int shift = Integer.numberOfTrailingZeros(r.width());
        if (shift < granuleShift) {
            regranulate(shift);
        }
        for (int i = r.offset() >>> granuleShift; i < (r.offset() + r.width()) >>> granuleShift; i++) {
            slots[i] = r;
        }
        registers.add(r);
        return r;
    }

    /** Rebuilds the slot table at a finer granule when a register narrower than it is declared. */
    private void regranulate(int shift) {
        Register[] finer = new Register[size >>> shift];
        for (Register r : registers) {
            for (int i = r.offset() >>> shift; i < (r.offset() + r.width()) >>> shift; i++) {
                finer[i] = r;
            }
        }
        slots = finer;
        granuleShift = shift;
    }

    private Register registerAtByte(int offset) {
        return slots[offset >>> granuleShift];
    }

    public List<Register> registers() {
        return Collections.unmodifiableList(registers);
    }

    /** The register covering byte {@code offset}, or null. */
    public Register at(int offset) {
        return offset >= 0 && offset < size ? registerAtByte(offset) : null;
    }

    public Register byName(String name) {
        for (Register r : registers) {
            if (r.name().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException(owner + " has no register " + name);
    }

    public void reset() {
        for (Register r : registers) {
            r.reset();
        }
    }

    public int size() {
        return size;
    }

    @Override
    public boolean tracesAccesses() {
        return true;
    }

    @Override
    public long read(long offset, int accessSize) {
        if (offset < 0 || offset > size - accessSize) {
            return bytes(unassignedRead, 0, accessSize);
        }
        int off = (int) offset;
        Register r = registerAtByte(off);
        if (r != null && off + accessSize <= r.offset() + r.width()) {
            return readPiece(r, off, accessSize);
        }
        long value = 0;
        for (int pos = off, end = off + accessSize; pos < end; ) {
            Register piece = registerAtByte(pos);
            int pieceEnd = Math.min(end, piece != null ? piece.offset() + piece.width() : nextGranule(pos));
            long bits = piece != null ? readPiece(piece, pos, pieceEnd - pos) : bytes(unassignedRead, pos - off, pieceEnd - pos);
            value |= bits << (8 * (pos - off));
            pos = pieceEnd;
        }
        return value;
    }

    @Override
    public void write(long offset, int accessSize, long value) {
        if (offset < 0 || offset > size - accessSize) {
            return;
        }
        int off = (int) offset;
        Register r = registerAtByte(off);
        if (r != null && off + accessSize <= r.offset() + r.width()) {
            writePiece(r, off, accessSize, value, accessSize);
            return;
        }
        for (int pos = off, end = off + accessSize; pos < end; ) {
            Register piece = registerAtByte(pos);
            int pieceEnd = Math.min(end, piece != null ? piece.offset() + piece.width() : nextGranule(pos));
            long bits = bytes(value, pos - off, pieceEnd - pos);
            if (piece != null) {
                writePiece(piece, pos, pieceEnd - pos, bits, accessSize);
            } else if (trace.on(category)) {
                trace.line(category, owner, String.format(Locale.ROOT, "write%d to unassigned +0x%x ignored",
                        (pieceEnd - pos) * 8, pos));
            }
            pos = pieceEnd;
        }
    }

    /** Reads {@code length} bytes of {@code r} starting at bank offset {@code pos}. */
    private long readPiece(Register r, int pos, int length) {
        int shift = 8 * (pos - r.offset());
        long value = bytes(r.guestRead() >>> shift, 0, length);
        if (trace.on(category)) {
            trace.line(category, owner, "read " + r.describe(value << shift) + partial(r, pos, length));
        }
        return value;
    }

    private void writePiece(Register r, int pos, int length, long bits, int accessSize) {
        int shift = 8 * (pos - r.offset());
        long byteMask = (length == 8 ? -1L : (1L << (8 * length)) - 1) << shift;
        long written = bits << shift;
        if (trace.on(category)) {
            trace.line(category, owner, "write " + r.describe(written) + partial(r, pos, length));
        }
        r.guestWrite(written, byteMask);
    }

    private static String partial(Register r, int pos, int length) {
        return length < r.width()
                ? String.format(Locale.ROOT, " (%d-byte access at +%d)", length, pos - r.offset()) : "";
    }

    private int nextGranule(int pos) {
        return ((pos >>> granuleShift) + 1) << granuleShift;
    }

    /** Bytes [from, from+length) of {@code value}, moved down to bit 0. */
    private static long bytes(long value, int from, int length) {
        long v = value >>> (8 * from);
        return length >= 8 ? v : v & ((1L << (8 * length)) - 1);
    }
}
