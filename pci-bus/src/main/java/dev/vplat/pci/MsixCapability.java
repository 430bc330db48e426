package dev.vplat.pci;

import dev.vplat.pci.config.ConfigSpace;
import dev.vplat.pci.config.PciConfig;

/**
 * MSI-X capability, table and Pending Bit Array (PCI Local Bus spec 3.0 §6.8.2). Table entries
 * reset masked; a vector raised while its entry or the whole function (Function Mask) is masked
 * sets its PBA bit and is sent as soon as both masks clear.
 */
final class MsixCapability {
    private final PciFunction function;
    private final ConfigSpace cfg;
    private final int base;
    private final int vectors;
    final int tableBar;
    final long tableOffset;
    final int pbaBar;
    final long pbaOffset;
    private final int[] table;
    private final long[] pba;

    MsixCapability(PciFunction function, ConfigSpace cfg, int base, int vectors, int tableBar, long tableOffset,
                   int pbaBar, long pbaOffset) {
        this.function = function;
        this.cfg = cfg;
        this.base = base;
        this.vectors = vectors;
        this.tableBar = tableBar;
        this.tableOffset = tableOffset;
        this.pbaBar = pbaBar;
        this.pbaOffset = pbaOffset;
        this.table = new int[vectors * 4];
        this.pba = new long[(vectors + 63) / 64];
        reset();
    }

    static final int LENGTH = 12;

    int base() {
        return base;
    }

    int vectors() {
        return vectors;
    }

    void layout() {
        cfg.set16(base + PciConfig.MSIX_FLAGS, vectors - 1);
        cfg.rw(base + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE | PciConfig.MSIX_FLAGS_MASKALL);
        cfg.set32(base + PciConfig.MSIX_TABLE, tableOffset | tableBar);
        cfg.set32(base + PciConfig.MSIX_PBA, pbaOffset | pbaBar);
    }

    void reset() {
        java.util.Arrays.fill(table, 0);
        for (int v = 0; v < vectors; v++) {
            table[v * 4 + 3] = PciConfig.MSIX_ENTRY_CTRL_MASKBIT;
        }
        java.util.Arrays.fill(pba, 0);
    }

    long tableLength() {
        return (long) vectors * PciConfig.MSIX_ENTRY_SIZE;
    }

    long pbaLength() {
        return pba.length * 8L;
    }

    boolean enabled() {
        return (cfg.get16(base + PciConfig.MSIX_FLAGS) & PciConfig.MSIX_FLAGS_ENABLE) != 0;
    }

    boolean functionMasked() {
        return (cfg.get16(base + PciConfig.MSIX_FLAGS) & PciConfig.MSIX_FLAGS_MASKALL) != 0;
    }

    boolean entryMasked(int vector) {
        return (table[vector * 4 + 3] & PciConfig.MSIX_ENTRY_CTRL_MASKBIT) != 0;
    }

    boolean pending(int vector) {
        return (pba[vector >>> 6] & (1L << vector)) != 0;
    }

    boolean send(int vector) {
        if (!enabled() || vector < 0 || vector >= vectors) {
            return false;
        }
        if (functionMasked() || entryMasked(vector)) {
            pba[vector >>> 6] |= 1L << vector;
            return true;
        }
        deliver(vector);
        return true;
    }

    private void deliver(int vector) {
        long address = (table[vector * 4] & 0xFFFF_FFFFL) | ((long) table[vector * 4 + 1] << 32);
        function.sendMessage(address, table[vector * 4 + 2]);
    }

    /** Sends every pending vector whose masks are now clear. */
    void deliverUnmaskedPending() {
        if (!enabled() || functionMasked()) {
            return;
        }
        for (int v = 0; v < vectors; v++) {
            if (pending(v) && !entryMasked(v)) {
                pba[v >>> 6] &= ~(1L << v);
                deliver(v);
            }
        }
    }

    long readTable(long offset, int size) {
        if (size == 8) {
            return (readTable(offset, 4) & 0xFFFF_FFFFL) | (readTable(offset + 4, 4) << 32);
        }
        int word = (int) (offset >>> 2);
        long v = table[word] & 0xFFFF_FFFFL;
        int shift = (int) (offset & 3) * 8;
        return (v >>> shift) & (size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1);
    }

    void writeTable(long offset, int size, long value) {
        if (size == 8) {
            writeTable(offset, 4, value);
            writeTable(offset + 4, 4, value >>> 32);
            return;
        }
        int word = (int) (offset >>> 2);
        int shift = (int) (offset & 3) * 8;
        long mask = (size == 4 ? 0xFFFF_FFFFL : (1L << (8 * size)) - 1) << shift;
        long old = table[word] & 0xFFFF_FFFFL;
        table[word] = (int) ((old & ~mask) | ((value << shift) & mask));
        if ((word & 3) == 3) {
            table[word] &= PciConfig.MSIX_ENTRY_CTRL_MASKBIT;
            deliverUnmaskedPending();
        }
    }

    long readPba(long offset, int size) {
        int index = (int) (offset >>> 3);
        long v = index < pba.length ? pba[index] : 0;
        int shift = (int) (offset & 7) * 8;
        return size == 8 ? v : (v >>> shift) & ((1L << (8 * size)) - 1);
    }
}
