package dev.vplat.platform.memory;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static dev.vplat.platform.memory.LittleEndian.load;
import static dev.vplat.platform.memory.LittleEndian.store;

/**
 * An address space seen by one kind of initiator (the CPU's system memory, port I/O): a root
 * {@link ContainerRegion} flattened on demand into a {@link FlatView} and looked up by binary
 * search, with the last hit cached because accesses cluster. Addresses are limited to
 * [0, 2^63); an access no region decodes reads all-ones and a write is dropped, like a PCI
 * master abort. A single access that straddles two ranges is split at the boundary and each
 * piece is decoded by its own region, as QEMU's {@code flatview_read} does.
 *
 * <p>Not thread-safe: all machine state is owned by one machine thread.
 */
public final class AddressSpace implements GuestMemory {
    private final String name;
    private final ContainerRegion root;
    private final Trace trace;
    private final TraceCategory category;
    private FlatView view;
    private int lastHit = -1;

    public AddressSpace(String name, ContainerRegion root, Trace trace, TraceCategory category) {
        this.name = name;
        this.root = root;
        this.trace = trace;
        this.category = category;
        root.addListener(() -> view = null);
    }

    public String name() {
        return name;
    }

    public ContainerRegion root() {
        return root;
    }

    private FlatView view() {
        FlatView v = view;
        if (v == null) {
            v = FlatView.of(root, Long.MAX_VALUE);
            view = v;
            lastHit = -1;
        }
        return v;
    }

    private int find(FlatView v, long addr) {
        int hit = lastHit;
        if (hit >= 0 && hit < v.starts.length && addr >= v.starts[hit] && addr < v.ends[hit]) {
            return hit;
        }
        hit = v.find(addr);
        if (hit >= 0) {
            lastHit = hit;
        }
        return hit;
    }

    /** The leaf region decoding {@code addr}, or null; for diagnostics and tests. */
    public MemoryRegion regionAt(long addr) {
        FlatView v = view();
        int i = find(v, addr);
        return i < 0 ? null : v.leaves[i];
    }

    /**
     * The lowest address at or above {@code addr} that a region decodes, or -1 when none does:
     * lets a bulk operation over a huge range skip the holes instead of walking them.
     */
    public long nextDecoded(long addr) {
        FlatView v = view();
        if (find(v, addr) >= 0) {
            return addr;
        }
        long next = v.nextStartAfter(addr);
        return next == Long.MAX_VALUE ? -1 : next;
    }

    /** The flattened map, one line per range, like QEMU's {@code info mtree -f}. */
    public List<String> describe() {
        return view().describe();
    }

    @Override
    public long read(long addr, int size) {
        checkSize(size);
        FlatView v = view();
        int i = find(v, addr);
        if (i >= 0 && fits(v, i, addr, size)) {
            MemoryRegion leaf = v.leaves[i];
            long offset = addr - v.starts[i] + v.leafOffsets[i];
            if (leaf instanceof RamRegion ram) {
                return ram.ram().read(ram.ramOffset() + offset, size);
            }
            return readMmio((MmioRegion) leaf, offset, size);
        }
        if (i >= 0 || reachesRange(v, addr, size)) {
            return readSplit(addr, size);
        }
        if (trace.on(category)) {
            trace.line(category, name, String.format("unassigned read%d at 0x%x", size * 8, addr));
        }
        return truncate(-1L, size);
    }

    @Override
    public void write(long addr, int size, long value) {
        checkSize(size);
        FlatView v = view();
        int i = find(v, addr);
        if (i >= 0 && fits(v, i, addr, size)) {
            MemoryRegion leaf = v.leaves[i];
            long offset = addr - v.starts[i] + v.leafOffsets[i];
            if (leaf instanceof RamRegion ram) {
                ram.ram().write(ram.ramOffset() + offset, size, value);
            } else {
                writeMmio((MmioRegion) leaf, offset, size, value);
            }
            return;
        }
        if (i >= 0 || reachesRange(v, addr, size)) {
            writeSplit(addr, size, value);
            return;
        }
        if (trace.on(category)) {
            trace.line(category, name, String.format("unassigned write%d at 0x%x dropped", size * 8, addr));
        }
    }

    private long readMmio(MmioRegion mmio, long offset, int size) {
        if (!mmio.rules().admits(offset, size)) {
            traceInvalid(mmio, "read", offset, size);
            return truncate(mmio.rules().invalidRead(), size);
        }
        long value = truncate(mmio.ops().read(offset, size), size);
        if (trace.on(category) && !mmio.ops().tracesAccesses()) {
            trace.line(category, mmio.name(), String.format("read%d +0x%x -> 0x%x", size * 8, offset, value));
        }
        return value;
    }

    private void writeMmio(MmioRegion mmio, long offset, int size, long value) {
        if (!mmio.rules().admits(offset, size)) {
            traceInvalid(mmio, "write", offset, size);
            return;
        }
        long v = truncate(value, size);
        if (trace.on(category) && !mmio.ops().tracesAccesses()) {
            trace.line(category, mmio.name(), String.format("write%d +0x%x <- 0x%x", size * 8, offset, v));
        }
        mmio.ops().write(offset, size, v);
    }

    /** A straddling access, decoded piece by piece through the bulk path; little-endian. */
    private long readSplit(long addr, int size) {
        byte[] bytes = new byte[size];
        read(addr, bytes, 0, size);
        return load(bytes, 0, size);
    }

    private void writeSplit(long addr, int size, long value) {
        byte[] bytes = new byte[size];
        store(value, bytes, 0, size);
        write(addr, bytes, 0, size);
    }

    @Override
    public boolean read(long addr, byte[] dst, int offset, int length) {
        checkBulk(dst, offset, length);
        return copy(addr, dst, offset, length, false);
    }

    @Override
    public boolean write(long addr, byte[] src, int offset, int length) {
        checkBulk(src, offset, length);
        return copy(addr, src, offset, length, true);
    }

    /**
     * The bulk path of both directions, range by range: RAM as one copy per range, MMIO in the
     * widest steps its rules admit, holes read as 0xFF and written nowhere. Returns whether every
     * byte was decoded. The direction is a flag, not a callback, so the RAM copy stays a direct
     * call with nothing allocated per chunk.
     */
    private boolean copy(long addr, byte[] buf, int offset, int length, boolean write) {
        boolean decoded = true;
        while (length > 0) {
            FlatView v = view();
            int i = find(v, addr);
            int chunk;
            if (i < 0) {
                chunk = gapLength(v, addr, length);
                if (!write) {
                    Arrays.fill(buf, offset, offset + chunk, (byte) 0xFF);
                }
                decoded = false;
            } else {
                chunk = (int) Math.min(length, v.ends[i] - addr);
                MemoryRegion leaf = v.leaves[i];
                long leafOffset = addr - v.starts[i] + v.leafOffsets[i];
                if (leaf instanceof RamRegion ram) {
                    if (write) {
                        ram.ram().write(ram.ramOffset() + leafOffset, buf, offset, chunk);
                    } else {
                        ram.ram().read(ram.ramOffset() + leafOffset, buf, offset, chunk);
                    }
                } else {
                    copyMmio((MmioRegion) leaf, leafOffset, buf, offset, chunk, write);
                }
            }
            addr += chunk;
            offset += chunk;
            length -= chunk;
        }
        return decoded;
    }

    private void copyMmio(MmioRegion mmio, long leafOffset, byte[] buf, int offset, int chunk, boolean write) {
        for (int b = 0; b < chunk; ) {
            int step = mmioStep(mmio, leafOffset + b, chunk - b);
            if (write) {
                writeMmio(mmio, leafOffset + b, step, load(buf, offset + b, step));
            } else {
                store(readMmio(mmio, leafOffset + b, step), buf, offset + b, step);
            }
            b += step;
        }
    }

    /** The widest access the region admits at this offset, so bulk MMIO copies stay legal. */
    private static int mmioStep(MmioRegion region, long offset, int remaining) {
        for (int size = 8; size >= 1; size >>= 1) {
            if (size <= remaining && region.rules().admits(offset, size)) {
                return size;
            }
        }
        return 1;
    }

    /**
     * Bytes from {@code addr} (which no range holds) up to the next range, at most
     * {@code length}. Addresses at or above 2^63 are never decoded, and nothing wraps to 0.
     */
    private static int gapLength(FlatView v, long addr, int length) {
        if (addr < 0) {
            return length;
        }
        long nextStart = v.nextStartAfter(addr);
        return (int) Math.min(length, Math.max(1, nextStart - addr));
    }

    /** Whether an access starting in a hole runs into a decoded range. */
    private static boolean reachesRange(FlatView v, long addr, int size) {
        return addr >= 0 && v.nextStartAfter(addr) - addr < size;
    }

    private static boolean fits(FlatView v, int i, long addr, int size) {
        long end = addr + size;
        return end <= v.ends[i] && end > addr;
    }

    @Override
    public long readRam(long addr, int size) {
        checkSize(size);
        FlatView v = view();
        int i = ramRange(v, addr, size);
        if (i < 0) {
            return readSplit(addr, size);
        }
        RamRegion ram = (RamRegion) v.leaves[i];
        return ram.ram().read(ram.ramOffset() + addr - v.starts[i] + v.leafOffsets[i], size);
    }

    @Override
    public void writeRam(long addr, int size, long value) {
        checkSize(size);
        FlatView v = view();
        int i = ramRange(v, addr, size);
        if (i < 0) {
            writeSplit(addr, size, value);
            return;
        }
        RamRegion ram = (RamRegion) v.leaves[i];
        ram.ram().write(ram.ramOffset() + addr - v.starts[i] + v.leafOffsets[i], size, value);
    }

    /**
     * The one RAM range holding the whole access, or -1 when it is RAM split across two ranges
     * (adjacent RAM blocks); throws when any byte is not RAM.
     */
    private int ramRange(FlatView v, long addr, int size) {
        int i = find(v, addr);
        if (i >= 0 && v.leaves[i] instanceof RamRegion && fits(v, i, addr, size)) {
            return i;
        }
        if (isRam(addr, size)) {
            return -1;
        }
        throw new MemoryAccessException(String.format("%s: [0x%x, +%d) is not RAM", name, addr, size));
    }

    @Override
    public boolean isRam(long addr, long length) {
        FlatView v = view();
        long end = addr + length;
        if (length < 0 || addr < 0 || end < addr) {
            return false;
        }
        while (addr < end) {
            int i = v.find(addr);
            if (i < 0 || !(v.leaves[i] instanceof RamRegion)) {
                return false;
            }
            addr = v.ends[i];
        }
        return true;
    }

    private void traceInvalid(MmioRegion region, String kind, long offset, int size) {
        if (trace.on(category)) {
            trace.line(category, region.name(), String.format(
                    "invalid %s%d at +0x%x (not admitted by the region's access rules)", kind, size * 8, offset));
        }
    }

    private static void checkSize(int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new IllegalArgumentException("access size must be 1, 2, 4 or 8, got " + size);
        }
    }

    private static void checkBulk(byte[] buffer, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buffer.length);
    }

    static long truncate(long value, int size) {
        return size >= 8 ? value : value & ((1L << (size * 8)) - 1);
    }
}
