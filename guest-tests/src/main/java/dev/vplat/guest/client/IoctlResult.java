package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;

/**
 * What an ioctl with an inline struct returned: the call's return value and the struct bytes as
 * the call left them (the kernel's copy_to_user result).
 */
public record IoctlResult(int result, byte[] struct) {
    /** The struct bytes as a little-endian reader. */
    public LeReader reader() {
        return new LeReader(struct);
    }
}
