package dev.vplat.guest.pci;

import static dev.vplat.guest.pci.PciRegs.*;

/**
 * The MSI capability of a function (PCI Local Bus 3.0 §6.8.1): Message Control, Message
 * Address (32 or 64 bit), Message Data, and the optional per-vector mask. {@link #enable}
 * programs it the way Linux's {@code msi_capability_init} does: address and data first, the
 * number of vectors (Multiple Message Enable), unmask, then MSI Enable — with INTx disabled.
 */
public final class MsiCap {
    private final PciDev dev;
    private final int offset;

    MsiCap(PciDev dev, int offset) {
        this.dev = dev;
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }

    public int control() {
        return dev.configReadw(offset + MSI_FLAGS);
    }

    public boolean is64Bit() {
        return (control() & MSI_FLAGS_64BIT) != 0;
    }

    public boolean hasMaskBits() {
        return (control() & MSI_FLAGS_MASKBIT) != 0;
    }

    /** Vectors the function can request: 2^(Multiple Message Capable). */
    public int vectorsCapable() {
        return 1 << ((control() & MSI_FLAGS_QMASK) >> 1);
    }

    private int dataOffset() {
        return offset + (is64Bit() ? MSI_DATA_64 : MSI_DATA_32);
    }

    private int maskOffset() {
        return offset + (is64Bit() ? MSI_MASK_64 : MSI_MASK_32);
    }

    /**
     * Programs address and data for {@code vectors} (a power of two ≤ {@link #vectorsCapable()};
     * vector i signals {@code data | i}), unmasks them and sets MSI Enable.
     */
    public void enable(long address, int data, int vectors) {
        if (Integer.bitCount(vectors) != 1 || vectors > vectorsCapable()) {
            throw new IllegalArgumentException(vectors + " vectors; the function is capable of " + vectorsCapable());
        }
        boolean wide = is64Bit();
        if (!wide && (address >>> 32) != 0) {
            throw new IllegalArgumentException("32-bit MSI capability cannot take address 0x" + Long.toHexString(address));
        }
        dev.commandSet(COMMAND_INTX_DISABLE);
        dev.configWritel(offset + MSI_ADDRESS_LO, (int) address);
        if (wide) {
            dev.configWritel(offset + MSI_ADDRESS_HI, (int) (address >>> 32));
        }
        dev.configWritew(dataOffset(), data);
        if (hasMaskBits()) {
            dev.configWritel(maskOffset(), 0);
        }
        int mme = Integer.numberOfTrailingZeros(vectors) << 4;
        dev.configWritew(offset + MSI_FLAGS, (control() & ~MSI_FLAGS_QSIZE) | mme | MSI_FLAGS_ENABLE);
    }

    public void disable() {
        dev.configWritew(offset + MSI_FLAGS, control() & ~MSI_FLAGS_ENABLE);
    }

    public boolean enabled() {
        return (control() & MSI_FLAGS_ENABLE) != 0;
    }

    /** Sets or clears vector {@code i}'s mask bit (needs per-vector masking). */
    public void mask(int vector, boolean masked) {
        if (!hasMaskBits()) {
            throw new IllegalStateException("MSI capability at 0x" + Integer.toHexString(offset) + " has no mask bits");
        }
        int bits = dev.configReadl(maskOffset());
        dev.configWritel(maskOffset(), masked ? bits | (1 << vector) : bits & ~(1 << vector));
    }
}
