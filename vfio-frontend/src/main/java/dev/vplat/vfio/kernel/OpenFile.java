package dev.vplat.vfio.kernel;

/**
 * An open file description (struct file): what an fd refers to. Devices override the calls they
 * support; the defaults answer as Linux does for a file without that operation.
 */
public interface OpenFile {
    /** The path it was opened as, for diagnostics and MACHINE_INFO. */
    String name();

    /**
     * An ioctl. {@code arg} is the raw argument: an integer, or a user address the call reads
     * and writes through {@link Process#memory()} like copy_from_user/copy_to_user.
     */
    default long ioctl(Process process, int request, long arg) {
        throw new ErrnoException(Errno.ENOTTY, name() + ": inappropriate ioctl 0x" + Integer.toHexString(request));
    }

    default byte[] pread(Process process, int size, long offset) {
        throw new ErrnoException(Errno.EINVAL, name() + ": not readable");
    }

    default int pwrite(Process process, byte[] data, long offset) {
        throw new ErrnoException(Errno.EINVAL, name() + ": not writable");
    }

    /** The last fd referring to this file was closed (release()). */
    default void release(Process process) {
    }
}
