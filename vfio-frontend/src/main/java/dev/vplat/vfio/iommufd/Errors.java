package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

/** Shorthand for failing the way the kernel function named in the message would. */
final class Errors {
    private Errors() {
    }

    static ErrnoException fail(Errno errno, String message) {
        return new ErrnoException(errno, message);
    }
}
