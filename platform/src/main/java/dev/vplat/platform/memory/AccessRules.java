package dev.vplat.platform.memory;

/**
 * Which accesses an MMIO region accepts. An access with a size outside {@code validSizes} or a
 * misaligned one (when {@code aligned}) never reaches the device: it reads {@code invalidRead}
 * (truncated to the access size) and a write is dropped, as real decoders do.
 *
 * @param validSizes bit mask of accepted sizes: bit 0 = 1 byte, bit 1 = 2, bit 2 = 4, bit 3 = 8
 */
public record AccessRules(int validSizes, boolean aligned, long invalidRead) {
    public static final AccessRules ANY = new AccessRules(0b1111, false, -1L);
    public static final AccessRules DWORD_QWORD_ALIGNED = new AccessRules(0b1100, true, -1L);
    public static final AccessRules DWORD_ALIGNED = new AccessRules(0b0100, true, -1L);

    /** Naturally aligned accesses of the given sizes; misaligned or other sizes read all-ones. */
    public static AccessRules sizes(int... sizes) {
        int mask = 0;
        for (int s : sizes) {
            int bit = sizeBit(s);
            if (bit == 0) {
                throw new IllegalArgumentException("access size must be 1, 2, 4 or 8, got " + s);
            }
            mask |= bit;
        }
        return new AccessRules(mask, true, -1L);
    }

    public AccessRules readingZeroWhenInvalid() {
        return new AccessRules(validSizes, aligned, 0L);
    }

    public AccessRules unaligned() {
        return new AccessRules(validSizes, false, invalidRead);
    }

    public boolean admits(long offset, int size) {
        if ((validSizes & sizeBit(size)) == 0) {
            return false;
        }
        return !aligned || (offset & (size - 1)) == 0;
    }

    private static int sizeBit(int size) {
        switch (size) {
            case 1: return 1;
            case 2: return 2;
            case 4: return 4;
            case 8: return 8;
            default: return 0;
        }
    }
}
