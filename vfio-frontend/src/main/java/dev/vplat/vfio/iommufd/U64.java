package dev.vplat.vfio.iommufd;

/**
 * Unsigned 64-bit arithmetic the way the kernel does it on {@code unsigned long}: IOVAs and
 * lengths span the whole 2^64 space, so every comparison is unsigned and every sum is checked
 * like check_add_overflow().
 */
final class U64 {
    static final long MAX = -1L;

    private U64() {
    }

    static int cmp(long a, long b) {
        return Long.compareUnsigned(a, b);
    }

    static boolean lt(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    static boolean le(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    static long min(long a, long b) {
        return le(a, b) ? a : b;
    }

    static long max(long a, long b) {
        return le(a, b) ? b : a;
    }

    /** a + b overflows 64 bits (check_add_overflow). */
    static boolean addOverflows(long a, long b) {
        return Long.compareUnsigned(a + b, a) < 0;
    }

    /** roundup_pow_of_two for values below 2^63. */
    static long roundUpPow2(long v) {
        long h = Long.highestOneBit(v);
        return h == v ? v : h << 1;
    }

    static boolean intersects(long start1, long last1, long start2, long last2) {
        return le(start1, last2) && le(start2, last1);
    }
}
