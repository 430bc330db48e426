package dev.vplat.platform.regs;

import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A window of declared registers that serves MMIO. Lookup is a table indexed by 4-byte slot, so
 * dispatch costs an array load. An access may cover part of a register (a 32-bit half of a
 * 64-bit register, a byte of a 32-bit one) or, for 8-byte accesses, two adjacent 32-bit
 * registers; offsets with no register read {@code unassignedRead} and ignore writes.
 */
public final class RegisterBank implements MmioOps {
    private final String owner;
    private final int size;
    private final Register[] slots;
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
        this.slots = new Register[size >>> 2];
        this.trace = trace;
        this.category = category;
    }

    public RegisterBank unassignedRead(long value) {
        this.unassignedRead = value;
        return this;
    }

    public Register define(Register.Builder builder) {
        return add(builder.build());
    }

    public Register add(Register r) {
        if (r.offset() < 0 || r.offset() + r.width() > size) {
            throw new IllegalArgumentException(owner + ": register " + r.name() + " outside the bank");
        }
        for (int i = r.offset() >>> 2; i < (r.offset() + r.width()) >>> 2; i++) {
            if (slots[i] != null) {
                throw new IllegalArgumentException(owner + ": register " + r.name() + " overlaps " + slots[i].name());
            }
            slots[i] = r;
        }
        registers.add(r);
        return r;
    }

    public List<Register> registers() {
        return Collections.unmodifiableList(registers);
    }

    public Register at(int offset) {
        return offset >= 0 && offset < size ? slots[offset >>> 2] : null;
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
    public long read(long offset, int accessSize) {
        if (offset < 0 || offset + accessSize > size) {
            return unassigned(accessSize);
        }
        int off = (int) offset;
        Register r = slots[off >>> 2];
        if (r != null && off + accessSize <= r.offset() + r.width()) {
            int shift = (off - r.offset()) * 8;
            long v = r.guestRead() >>> shift;
            return accessSize == 8 ? v : v & ((1L << (accessSize * 8)) - 1);
        }
        if (accessSize == 8) {
            return (read(offset, 4) & 0xFFFF_FFFFL) | (read(offset + 4, 4) << 32);
        }
        return unassigned(accessSize);
    }

    @Override
    public void write(long offset, int accessSize, long value) {
        if (offset < 0 || offset + accessSize > size) {
            return;
        }
        int off = (int) offset;
        Register r = slots[off >>> 2];
        if (r != null && off + accessSize <= r.offset() + r.width()) {
            int shift = (off - r.offset()) * 8;
            long bytes = accessSize == 8 ? -1L : ((1L << (accessSize * 8)) - 1) << shift;
            RegisterWrite w = r.guestWrite(value << shift, bytes);
            if (trace.on(category)) {
                trace.line(category, owner, r.describe(w.newValue()) + (accessSize < r.width()
                        ? String.format(Locale.ROOT, " (%d-byte write at +%d)", accessSize, off - r.offset()) : ""));
            }
            return;
        }
        if (accessSize == 8) {
            write(offset, 4, value);
            write(offset + 4, 4, value >>> 32);
            return;
        }
        trace.log(category, owner, String.format(Locale.ROOT, "write%d to unassigned +0x%x ignored", accessSize * 8, off));
    }

    private long unassigned(int accessSize) {
        return accessSize == 8 ? unassignedRead : unassignedRead & ((1L << (accessSize * 8)) - 1);
    }
}
