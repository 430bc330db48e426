package dev.vplat.vfio.kernel;

/**
 * A call failed the way the Linux call would: with this errno. The message is for humans and
 * travels in the error reply; the errno is the contract.
 */
public class ErrnoException extends RuntimeException {
    private final Errno errno;

    public ErrnoException(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String toString() {
        return errno + ": " + getMessage();
    }
}
