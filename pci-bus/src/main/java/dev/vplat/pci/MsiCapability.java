package dev.vplat.pci;

import dev.vplat.pci.config.ConfigSpace;
import dev.vplat.pci.config.PciConfig;

/**
 * MSI capability state and delivery (PCI Local Bus spec 3.0 §6.8.1). With Multiple Message
 * Enable = 2^k the function modifies the low k bits of Message Data to carry the vector; a
 * vector masked in Mask Bits is held in Pending Bits and sent when unmasked.
 */
final class MsiCapability {
    private final PciFunction function;
    private final ConfigSpace cfg;
    private final int base;
    private final boolean address64;
    private final boolean perVectorMask;
    private final int capableLog2;

    MsiCapability(PciFunction function, ConfigSpace cfg, int base, int vectors, boolean address64, boolean perVectorMask) {
        this.function = function;
        this.cfg = cfg;
        this.base = base;
        this.address64 = address64;
        this.perVectorMask = perVectorMask;
        this.capableLog2 = Integer.numberOfTrailingZeros(vectors);
    }

    static int length(boolean address64, boolean perVectorMask) {
        return (address64 ? 0x0E : 0x0A) + (perVectorMask ? 0x0A : 0);
    }

    int base() {
        return base;
    }

    int length() {
        return length(address64, perVectorMask);
    }

    private int dataOffset() {
        return base + (address64 ? 0x0C : 0x08);
    }

    private int maskOffset() {
        return base + (address64 ? 0x10 : 0x0C);
    }

    private int pendingOffset() {
        return maskOffset() + 4;
    }

    void layout() {
        cfg.set16(base + PciConfig.MSI_FLAGS, (capableLog2 << 1) | (address64 ? PciConfig.MSI_FLAGS_64BIT : 0)
                | (perVectorMask ? PciConfig.MSI_FLAGS_MASKBIT : 0));
        cfg.rw(base + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE | PciConfig.MSI_FLAGS_QSIZE);
        cfg.rw(base + PciConfig.MSI_ADDRESS_LO, 4, 0xFFFF_FFFCL);
        if (address64) {
            cfg.rw(base + 8, 4, 0xFFFF_FFFFL);
        }
        cfg.rw(dataOffset(), 2, 0xFFFF);
        if (perVectorMask) {
            cfg.rw(maskOffset(), 4, vectorBits(1 << capableLog2));
        }
    }

    private static long vectorBits(int count) {
        return count >= 32 ? 0xFFFF_FFFFL : (1L << count) - 1;
    }

    boolean enabled() {
        return (cfg.get16(base + PciConfig.MSI_FLAGS) & PciConfig.MSI_FLAGS_ENABLE) != 0;
    }

    /** Vectors the driver enabled: 2^MME, never more than the function is capable of. */
    int enabledVectors() {
        int mme = (cfg.get16(base + PciConfig.MSI_FLAGS) & PciConfig.MSI_FLAGS_QSIZE) >> 4;
        return 1 << Math.min(mme, capableLog2);
    }

    long address() {
        long lo = cfg.get32(base + PciConfig.MSI_ADDRESS_LO);
        return address64 ? lo | (cfg.get32(base + 8) << 32) : lo;
    }

    int data() {
        return cfg.get16(dataOffset());
    }

    boolean masked(int vector) {
        return perVectorMask && (cfg.get32(maskOffset()) & (1L << vector)) != 0;
    }

    boolean pending(int vector) {
        return perVectorMask && (cfg.get32(pendingOffset()) & (1L << vector)) != 0;
    }

    boolean send(int vector) {
        if (!enabled() || vector < 0 || vector >= enabledVectors()) {
            return false;
        }
        if (masked(vector)) {
            cfg.setBits(pendingOffset(), 4, 1L << vector, true);
            return true;
        }
        deliver(vector);
        return true;
    }

    private void deliver(int vector) {
        int n = enabledVectors();
        int data = (data() & ~(n - 1)) | vector;
        function.sendMessage(address(), data);
    }

    /** After a config write in the capability: a newly unmasked pending vector is sent now. */
    void configChanged() {
        if (!perVectorMask || !enabled()) {
            return;
        }
        long due = cfg.get32(pendingOffset()) & ~cfg.get32(maskOffset());
        for (int v = 0; v < enabledVectors(); v++) {
            if ((due & (1L << v)) != 0) {
                cfg.setBits(pendingOffset(), 4, 1L << v, false);
                deliver(v);
            }
        }
    }
}
