package dev.vplat.iommu.vtd;

import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.trace.Trace;

import java.util.ArrayList;
import java.util.List;

/**
 * A real machine with 1 GiB of RAM at 0, one VT-d unit at 0xFED90000, a bump allocator for
 * tables, and helpers that write root/context/PASID/paging entries the way a driver does.
 */
final class VtdHarness {
    static final long RAM_SIZE = 1L << 30;
    static final int RW = 3;
    static final int R = 1;
    static final int W = 2;

    final Machine machine;
    final AddressSpace mem;
    final VtdUnit unit;
    final List<MsiMessage> msis = new ArrayList<>();
    final long base;
    private long next = 0x0100_0000L;

    private VtdHarness(String options) {
        Trace trace = new Trace();
        machine = new Machine("test", trace);
        machine.addRam("ram", 0, RAM_SIZE);
        mem = machine.system();
        DeviceRegistry registry = DeviceRegistry.discover(VtdHarness.class.getClassLoader(), "test");
        OptionString opts = OptionString.parse(options);
        unit = (VtdUnit) registry.find(opts.type()).create(opts);
        unit.attach(machine, "dmar0");
        base = unit.config().base();
        machine.interrupts().addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage message) {
                msis.add(message);
            }
        });
        machine.realize();
    }

    static VtdHarness create() {
        return new VtdHarness("intel-iommu");
    }

    static VtdHarness create(String options) {
        return new VtdHarness(options);
    }

    /** A zeroed, 4 KiB-aligned block of {@code pages} pages. */
    long alloc(int pages) {
        long a = next;
        next += pages * 4096L;
        return a;
    }

    long r32(int off) {
        return mem.read(base + off, 4);
    }

    long r64(int off) {
        return mem.read(base + off, 8);
    }

    void w32(int off, long v) {
        mem.write(base + off, 4, v);
    }

    void w64(int off, long v) {
        mem.write(base + off, 8, v);
    }

    long peek(long addr) {
        return mem.read(addr, 8);
    }

    void poke(long addr, long v) {
        mem.write(addr, 8, v);
    }

    /** Issues one GCMD command the Linux way: current GSTS with {@code bit} set (or cleared). */
    void command(int bit, boolean on) {
        long status = r32(VtdRegs.GSTS) & 0x9680_0000L;   // persistent status bits TES, QIES, IRES, CFIS
        w32(VtdRegs.GCMD, on ? status | bit : status & ~bit);
    }

    // ---- legacy tables ----

    long root;

    /** Allocates a root table, latches it with SRTP and turns translation on. */
    void legacyRootAndEnable() {
        root = alloc(1);
        w64(VtdRegs.RTADDR, root);
        command(VtdRegs.SRTP, true);
        command(VtdRegs.TE, true);
    }

    private long contextTable(int bus) {
        long re = peek(root + bus * 16L);
        if ((re & 1) == 0) {
            long ct = alloc(1);
            poke(root + bus * 16L, ct | 1);
            return ct;
        }
        return re & ~0xFFFL;
    }

    /** Writes a legacy context entry: TT 0 with a fresh second-level table of {@code aw}+2 levels; returns that table. */
    long legacyContext(int sid, int aw, int did) {
        long pt = alloc(1);
        legacyContextRaw(sid, pt | 1, aw | (long) did << 8);
        return pt;
    }

    void legacyContextRaw(int sid, long lo, long hi) {
        long ct = contextTable(sid >>> 8);
        poke(ct + (sid & 0xFF) * 16L, lo);
        poke(ct + (sid & 0xFF) * 16L + 8, hi);
    }

    /**
     * Maps {@code iova} → {@code pa} in a second-level table of {@code levels} levels, leaf at
     * {@code leafLevel} (1 = 4 KiB, 2 = 2 MiB with PS, 3 = 1 GiB with PS); non-leaf entries RW.
     */
    void mapSecondLevel(long table, int levels, long iova, long pa, int perms, int leafLevel) {
        long t = table;
        for (int level = levels; level > leafLevel; level--) {
            long slot = t + ((iova >>> (12 + 9 * (level - 1))) & 0x1FF) * 8;
            long e = peek(slot);
            if ((e & 3) == 0) {
                long nt = alloc(1);
                e = nt | 3;
                poke(slot, e);
            }
            t = e & 0x000F_FFFF_FFFF_F000L;
        }
        long slot = t + ((iova >>> (12 + 9 * (leafLevel - 1))) & 0x1FF) * 8;
        poke(slot, pa | perms | (leafLevel > 1 ? 1L << 7 : 0));
    }

    void map4k(long table, int levels, long iova, long pa, int perms) {
        mapSecondLevel(table, levels, iova, pa, perms, 1);
    }

    /** Address of the leaf entry a 4 KiB mapping uses (for rewriting it without invalidation). */
    long leafSlot(long table, int levels, long iova) {
        long t = table;
        for (int level = levels; level > 1; level--) {
            t = peek(t + ((iova >>> (12 + 9 * (level - 1))) & 0x1FF) * 8) & 0x000F_FFFF_FFFF_F000L;
        }
        return t + ((iova >>> 12) & 0x1FF) * 8;
    }

    Translation read(int sid, long iova) {
        return unit.translate(sid, -1, iova, false);
    }

    Translation write(int sid, long iova) {
        return unit.translate(sid, -1, iova, true);
    }

    // ---- fault records ----

    long frcdLo(int i) {
        return r64(VtdRegs.FRCD + 16 * i);
    }

    long frcdHi(int i) {
        return r64(VtdRegs.FRCD + 16 * i + 8);
    }

    int faultReason(int i) {
        return (int) (frcdHi(i) >>> 32) & 0xFF;
    }

    /** Clears record i and FSTS the way Linux's dmar_fault() does. */
    void clearFaults(int i) {
        w32(VtdRegs.FRCD + 16 * i + 12, 0x8000_0000L);
        w32(VtdRegs.FSTS, VtdRegs.FSTS_PFO | VtdRegs.FSTS_PPF | 0x80);
    }

    // ---- queued invalidation ----

    long queue;
    private int tail;
    private boolean wide;

    /** Linux __dmar_enable_qi: IQT = 0, IQA = base (| DW | QS=1 when 256-bit), GCMD.QIE. */
    void enableQueue(boolean wideDescriptors) {
        wide = wideDescriptors;
        queue = alloc(wide ? 2 : 1);
        tail = 0;
        w32(VtdRegs.IQT, 0);
        w64(VtdRegs.IQA, queue | (wide ? VtdRegs.IQA_DW | 1 : 0));
        command(VtdRegs.QIE, true);
    }

    int entries() {
        return 256;
    }

    /** Writes one descriptor at the tail without moving IQT. */
    void put(long... qwords) {
        long slot = queue + (long) tail * (wide ? 32 : 16);
        for (int i = 0; i < (wide ? 4 : 2); i++) {
            poke(slot + 8L * i, i < qwords.length ? qwords[i] : 0);
        }
        tail = (tail + 1) % entries();
    }

    /** Moves IQT to the tail: the unit processes what was put. */
    void submit() {
        w32(VtdRegs.IQT, (long) tail << (wide ? 5 : 4));
    }

    void submit(long... qwords) {
        put(qwords);
        submit();
    }

    int headIndex() {
        return (int) (r64(VtdRegs.IQH) >>> (wide ? 5 : 4));
    }

    int tailIndex() {
        return tail;
    }

    void rewind(int index) {
        tail = index;
    }

    static long waitStatus(long data) {
        return 0x25L | data << 32;
    }
}
