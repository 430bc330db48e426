package dev.vplat.pci.config;

import dev.vplat.platform.memory.LittleEndian;

/**
 * The bytes of one function's configuration space with per-byte access masks, after QEMU's
 * {@code config}/{@code wmask}/{@code w1cmask} arrays: on a write, read-write bits take the
 * written value, write-1-to-clear bits are cleared where the value has ones, everything else
 * is read-only. 256 bytes for conventional PCI, 4096 for PCI Express (PCIe Base spec §7.2.2).
 * The reset image is a snapshot taken after the layout is built.
 */
public final class ConfigSpace {
    /** Size of conventional PCI configuration space. */
    public static final int PCI_SIZE = 256;
    /** Size of PCI Express extended configuration space. */
    public static final int PCIE_SIZE = 4096;

    private final byte[] data;
    private final byte[] wmask;
    private final byte[] w1cmask;
    private byte[] resetImage;

    public ConfigSpace(int size) {
        if (size != PCI_SIZE && size != PCIE_SIZE) {
            throw new IllegalArgumentException("config space is 256 or 4096 bytes");
        }
        data = new byte[size];
        wmask = new byte[size];
        w1cmask = new byte[size];
    }

    public int size() {
        return data.length;
    }

    /** Little-endian read of 1, 2 or 4 bytes; bytes past the end read as ones. */
    public long read(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            long b = o >= 0 && o < data.length ? data[o] & 0xFF : 0xFF;
            v |= b << (8 * i);
        }
        return v;
    }

    /** A write as software issues it: masks applied, bytes past the end ignored. */
    public void write(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            int o = offset + i;
            if (o < 0 || o >= data.length) {
                continue;
            }
            int v = (int) (value >>> (8 * i)) & 0xFF;
            int w = wmask[o] & 0xFF;
            int c = w1cmask[o] & 0xFF;
            int old = data[o] & 0xFF;
            data[o] = (byte) (((old & ~w) | (v & w)) & ~(v & c));
        }
    }

    public int get8(int offset) {
        return (int) read(offset, 1);
    }

    public int get16(int offset) {
        return (int) read(offset, 2);
    }

    public long get32(int offset) {
        return read(offset, 4);
    }

    /** Model-side store: no masks. */
    public void set(int offset, int size, long value) {
        LittleEndian.store(value, data, offset, size);
    }

    public void set8(int offset, int value) {
        set(offset, 1, value);
    }

    public void set16(int offset, int value) {
        set(offset, 2, value);
    }

    public void set32(int offset, long value) {
        set(offset, 4, value);
    }

    /** Model-side change of individual bits. */
    public void setBits(int offset, int size, long bits, boolean on) {
        long v = read(offset, size);
        set(offset, size, on ? v | bits : v & ~bits);
    }

    /** Declares which bits of [offset, offset+size) are read-write. */
    public void rw(int offset, int size, long mask) {
        LittleEndian.store(mask, wmask, offset, size);
    }

    /** Declares which bits of [offset, offset+size) are write-1-to-clear. */
    public void w1c(int offset, int size, long mask) {
        LittleEndian.store(mask, w1cmask, offset, size);
    }

    /** Records the current contents as the reset image. */
    public void snapshotReset() {
        resetImage = data.clone();
    }

    /** Returns every byte to the reset image. */
    public void reset() {
        if (resetImage != null) {
            System.arraycopy(resetImage, 0, data, 0, data.length);
        }
    }

    /** Changes one field of the reset image too (e.g. the multifunction bit learnt at plug time). */
    public void setInResetImage(int offset, int size, long value) {
        set(offset, size, value);
        if (resetImage != null) {
            LittleEndian.store(value, resetImage, offset, size);
        }
    }

    /**
     * Offset of the first standard capability with {@code id} (PCI spec §6.7), or 0. The walk
     * stops after 48 entries so a looping list cannot hang it, as Linux's pci_find_capability.
     */
    public int findCapability(int id) {
        if ((get16(PciConfig.STATUS) & PciConfig.STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int ptr = get8(PciConfig.headerType(get8(PciConfig.HEADER_TYPE)) == 2 ? 0x14 : PciConfig.CAPABILITY_LIST) & 0xFC;
        for (int ttl = 48; ptr >= 0x40 && ttl > 0; ttl--) {
            if (get8(ptr) == id) {
                return ptr;
            }
            ptr = get8(ptr + 1) & 0xFC;
        }
        return 0;
    }

    /** Offset of the first extended capability with {@code id} (PCIe spec §7.6), or 0. */
    public int findExtendedCapability(int id) {
        if (data.length <= PCI_SIZE) {
            return 0;
        }
        int ptr = 0x100;
        for (int ttl = (PCIE_SIZE - PCI_SIZE) / 8; ptr >= 0x100 && ttl > 0; ttl--) {
            long header = get32(ptr);
            if (header == 0 || header == 0xFFFF_FFFFL) {
                return 0;
            }
            if ((header & 0xFFFF) == id) {
                return ptr;
            }
            ptr = (int) (header >>> 20) & 0xFFC;
        }
        return 0;
    }
}
