package dev.vplat.platform.memory;

import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.List;

/**
 * An address space seen by one kind of initiator (the CPU's system memory, port I/O): a root
 * {@link ContainerRegion} flattened on demand. Addresses are limited to [0, 2^63); an access no
 * region decodes reads all-ones and a write is dropped, like a PCI master abort.
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

    /** The flattened map, one line per range, like QEMU's {@code info mtree -f}. */
    public List<String> describe() {
        return view().describe();
    }

    @Override
    public long read(long addr, int size) {
        FlatView v = view();
        int i = find(v, addr);
        if (i >= 0 && addr + size <= v.ends[i] && addr + size > addr) {
            MemoryRegion leaf = v.leaves[i];
            long offset = addr - v.starts[i] + v.leafOffsets[i];
            if (leaf instanceof RamRegion ram) {
                return ram.ram().read(ram.ramOffset() + offset, size);
            }
            MmioRegion mmio = (MmioRegion) leaf;
            if (!mmio.rules().admits(offset, size)) {
                traceInvalid(mmio, "read", offset, size);
                return truncate(mmio.rules().invalidRead(), size);
            }
            long value = truncate(mmio.ops().read(offset, size), size);
            if (trace.on(category)) {
                trace.line(category, mmio.name(), String.format("read%d +0x%x -> 0x%x", size * 8, offset, value));
            }
            return value;
        }
        if (i >= 0) {
            return readSplit(addr, size);
        }
        trace.log(category, name, String.format("unassigned read%d at 0x%x", size * 8, addr));
        return truncate(-1L, size);
    }

    @Override
    public void write(long addr, int size, long value) {
        FlatView v = view();
        int i = find(v, addr);
        if (i >= 0 && addr + size <= v.ends[i] && addr + size > addr) {
            MemoryRegion leaf = v.leaves[i];
            long offset = addr - v.starts[i] + v.leafOffsets[i];
            if (leaf instanceof RamRegion ram) {
                ram.ram().write(ram.ramOffset() + offset, size, value);
                return;
            }
            MmioRegion mmio = (MmioRegion) leaf;
            if (!mmio.rules().admits(offset, size)) {
                traceInvalid(mmio, "write", offset, size);
                return;
            }
            if (trace.on(category)) {
                trace.line(category, mmio.name(),
                        String.format("write%d +0x%x <- 0x%x", size * 8, offset, truncate(value, size)));
            }
            mmio.ops().write(offset, size, truncate(value, size));
            return;
        }
        if (i >= 0) {
            writeSplit(addr, size, value);
            return;
        }
        trace.log(category, name, String.format("unassigned write%d at 0x%x dropped", size * 8, addr));
    }

    /** An access straddling two ranges is split into bytes, each decoded on its own. */
    private long readSplit(long addr, int size) {
        long v = 0;
        for (int b = 0; b < size; b++) {
            v |= read(addr + b, 1) << (8 * b);
        }
        return v;
    }

    private void writeSplit(long addr, int size, long value) {
        for (int b = 0; b < size; b++) {
            write(addr + b, 1, value >>> (8 * b));
        }
    }

    @Override
    public boolean read(long addr, byte[] dst, int offset, int length) {
        boolean decoded = true;
        while (length > 0) {
            FlatView v = view();
            int i = find(v, addr);
            if (i < 0) {
                int gap = gapLength(v, addr, length);
                java.util.Arrays.fill(dst, offset, offset + gap, (byte) 0xFF);
                decoded = false;
                addr += gap;
                offset += gap;
                length -= gap;
                continue;
            }
            int chunk = (int) Math.min(length, v.ends[i] - addr);
            MemoryRegion leaf = v.leaves[i];
            long leafOffset = addr - v.starts[i] + v.leafOffsets[i];
            if (leaf instanceof RamRegion ram) {
                ram.ram().read(ram.ramOffset() + leafOffset, dst, offset, chunk);
            } else {
                for (int b = 0; b < chunk; ) {
                    int step = mmioStep((MmioRegion) leaf, leafOffset + b, chunk - b);
                    long value = read(addr + b, step);
                    for (int k = 0; k < step; k++) {
                        dst[offset + b + k] = (byte) (value >>> (8 * k));
                    }
                    b += step;
                }
            }
            addr += chunk;
            offset += chunk;
            length -= chunk;
        }
        return decoded;
    }

    @Override
    public boolean write(long addr, byte[] src, int offset, int length) {
        boolean decoded = true;
        while (length > 0) {
            FlatView v = view();
            int i = find(v, addr);
            if (i < 0) {
                int gap = gapLength(v, addr, length);
                decoded = false;
                addr += gap;
                offset += gap;
                length -= gap;
                continue;
            }
            int chunk = (int) Math.min(length, v.ends[i] - addr);
            MemoryRegion leaf = v.leaves[i];
            long leafOffset = addr - v.starts[i] + v.leafOffsets[i];
            if (leaf instanceof RamRegion ram) {
                ram.ram().write(ram.ramOffset() + leafOffset, src, offset, chunk);
            } else {
                for (int b = 0; b < chunk; ) {
                    int step = mmioStep((MmioRegion) leaf, leafOffset + b, chunk - b);
                    long value = 0;
                    for (int k = 0; k < step; k++) {
                        value |= (src[offset + b + k] & 0xFFL) << (8 * k);
                    }
                    write(addr + b, step, value);
                    b += step;
                }
            }
            addr += chunk;
            offset += chunk;
            length -= chunk;
        }
        return decoded;
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

    private static int gapLength(FlatView v, long addr, int length) {
        int lo = 0;
        int hi = v.starts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v.starts[mid] <= addr) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        long nextStart = lo < v.starts.length ? v.starts[lo] : Long.MAX_VALUE;
        return (int) Math.min(length, Math.max(1, nextStart - addr));
    }

    @Override
    public long readRam(long addr, int size) {
        RamRegion ram = ramAt(addr, size);
        FlatView v = view;
        long offset = addr - v.starts[lastHit] + v.leafOffsets[lastHit];
        return ram.ram().read(ram.ramOffset() + offset, size);
    }

    @Override
    public void writeRam(long addr, int size, long value) {
        RamRegion ram = ramAt(addr, size);
        FlatView v = view;
        long offset = addr - v.starts[lastHit] + v.leafOffsets[lastHit];
        ram.ram().write(ram.ramOffset() + offset, size, value);
    }

    private RamRegion ramAt(long addr, int size) {
        FlatView v = view();
        int i = find(v, addr);
        if (i < 0 || !(v.leaves[i] instanceof RamRegion ram) || addr + size > v.ends[i] || addr + size < addr) {
            throw new MemoryAccessException(String.format("%s: 0x%x (+%d) is not RAM", name, addr, size));
        }
        return ram;
    }

    @Override
    public boolean isRam(long addr, long length) {
        FlatView v = view();
        long end = addr + length;
        if (length < 0 || end < addr) {
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
        trace.log(category, region.name(),
                String.format("invalid %s%d at +0x%x (not admitted by the region's access rules)", kind, size * 8, offset));
    }

    static long truncate(long value, int size) {
        return size >= 8 ? value : value & ((1L << (size * 8)) - 1);
    }
}
