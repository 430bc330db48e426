package dev.vplat.platform.memory;

/**
 * Packing of 1- to 8-byte values into byte arrays, little-endian: the byte order of guest memory
 * and of every bus the platform models (PCI, x86 and Arm in their little-endian configuration),
 * so a bulk copy and a single access of the same bytes always agree.
 */
public final class LittleEndian {
    private LittleEndian() {
    }

    /** The value of {@code size} bytes at {@code offset}, zero-extended. */
    public static long load(byte[] bytes, int offset, int size) {
        long value = 0;
        for (int k = 0; k < size; k++) {
            value |= (bytes[offset + k] & 0xFFL) << (8 * k);
        }
        return value;
    }

    /** Stores the low {@code size} bytes of {@code value} at {@code offset}. */
    public static void store(long value, byte[] bytes, int offset, int size) {
        for (int k = 0; k < size; k++) {
            bytes[offset + k] = (byte) (value >>> (8 * k));
        }
    }
}
