package dev.vplat.vfio.vfio;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.Uapi;

/**
 * A VFIO ioctl's argument struct in the caller's memory, accessed the way vfio's handlers do:
 * copy_from_user of the first {@code minsz} bytes (EFAULT on a bad pointer), the
 * {@code argsz < minsz} check (EINVAL), and copy_to_user of at most what the caller provided.
 */
final class UserStruct {
    private final Process process;
    private final long uaddr;

    UserStruct(Process process, long uaddr) {
        this.process = process;
        this.uaddr = uaddr;
    }

    <R extends Record> R read(Class<R> type, int minsz) {
        return Uapi.decode(type, process.memory().read(uaddr, minsz));
    }

    void requireArgsz(int argsz, int minsz) {
        if (Integer.toUnsignedLong(argsz) < minsz) {
            throw new ErrnoException(Errno.EINVAL, "argsz " + Integer.toUnsignedString(argsz) + " below the minimum "
                    + minsz);
        }
    }

    /** Copies {@code out} back, no more than {@code limit} bytes (unsigned) and no more than its size. */
    void respond(int limit, Record out) {
        byte[] b = Uapi.encode(out);
        process.memory().write(uaddr, b, 0, (int) Math.min(Integer.toUnsignedLong(limit), b.length));
    }

    byte[] readAt(int offset, int length) {
        return process.memory().read(uaddr + offset, length);
    }

    void writeAt(int offset, byte[] data) {
        process.memory().write(uaddr + offset, data);
    }
}
