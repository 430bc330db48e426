package dev.vplat.vfio.kernel;

/** Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h), the numbers the wire carries. */
public enum Errno {
    EPERM(1), ENOENT(2), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12),
    EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), ENODEV(19), EINVAL(22), ENFILE(23), EMFILE(24),
    ENOTTY(25), ENOSPC(28), ERANGE(34), EDEADLK(35), ENOSYS(38), EBADE(52), EPROTO(71), EOVERFLOW(75), EBADFD(77),
    EMSGSIZE(90), EOPNOTSUPP(95), EADDRINUSE(98);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static Errno of(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown errno " + number);
    }
}
