package dev.vplat.guest.robust;

import java.util.Random;

/**
 * The interesting values a fuzzed field is drawn from: user pointers into the session's own
 * mapping, next to it, unmapped or wrapping; lengths and IOVAs at page, alignment and 64-bit
 * edges; guest-physical addresses in the lower half of RAM, device windows and holes (never the
 * host kernel's page pool: a guest that scribbles over the host's page tables is root shooting
 * itself, not a robustness finding).
 */
final class Values {
    private static final long[] EDGES = {0, 1, 0xFFF, 0x1000, 0x1001, 0x20_0000, 0x7FFF_FFFFL, 0x8000_0000L,
            0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, -1L, -0x1000L, Long.MIN_VALUE};

    private final Random rnd;
    private final long userBuffer;
    private final long userBufferLength;
    private final long guestRamLimit;

    /**
     * @param userBuffer       a read-write mapping of the session (0 before it has one)
     * @param guestRamLimit    the first byte of the host's page pool: guest writes stay below it
     */
    Values(Random rnd, long userBuffer, long userBufferLength, long guestRamLimit) {
        this.rnd = rnd;
        this.userBuffer = userBuffer;
        this.userBufferLength = userBufferLength;
        this.guestRamLimit = guestRamLimit;
    }

    Random random() {
        return rnd;
    }

    long edge() {
        return EDGES[rnd.nextInt(EDGES.length)];
    }

    long anyLong() {
        return switch (rnd.nextInt(4)) {
            case 0 -> edge();
            case 1 -> rnd.nextInt(256);
            default -> rnd.nextLong();
        };
    }

    /** A user address: mostly inside the session's buffer, sometimes just past it, unmapped or absurd. */
    long pointer() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> userBuffer + userBufferLength - rnd.nextInt(64);
            case 2 -> 0x7f00_0000_0000L + rnd.nextInt(1 << 20) * 0x1000L;
            case 3 -> edge();
            default -> userBuffer + (rnd.nextLong() & (userBufferLength - 1) & -8L);
        };
    }

    long lengthOrIova() {
        return switch (rnd.nextInt(6)) {
            case 0 -> edge();
            case 1 -> rnd.nextLong();
            case 2 -> (1 + rnd.nextInt(16)) * 0x1000L;
            case 3 -> 0x10_0000L + rnd.nextInt(256) * 0x1000L;
            case 4 -> rnd.nextInt(0x2000);
            default -> userBufferLength;
        };
    }

    /** A guest-physical address a guest may read: anything. */
    long readAddress() {
        return rnd.nextInt(3) == 0 ? anyLong() : writeAddress();
    }

    /**
     * A guest-physical address a guest may write without taking over the host: low RAM, the
     * guest-owned VT-d unit, the ECAM space of the functions behind it (00:03.0, 00:07.0), the
     * MSI window, holes.
     */
    long writeAddress() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0xFED9_0000L + (rnd.nextInt(0x1000) & ~3);
            case 1 -> 0xB000_0000L + ((rnd.nextBoolean() ? 3L : 7L) << 15) + rnd.nextInt(0x1000);
            case 2 -> 0xFEE0_0000L + (rnd.nextInt(0x10_0000) & ~3);
            case 3 -> 0xF000_0000_0000L + rnd.nextInt(0x1000);
            default -> 0x1000 + (rnd.nextLong() & 0x7FFF_FFFFL) % Math.max(0x2000, Math.min(guestRamLimit, 16L << 20) - 0x2000);
        };
    }

    byte[] bytes(int n) {
        byte[] b = new byte[n];
        if (rnd.nextInt(3) == 0) {
            return b;
        }
        rnd.nextBytes(b);
        return b;
    }
}
