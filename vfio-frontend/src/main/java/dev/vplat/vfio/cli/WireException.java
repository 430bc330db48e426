package dev.vplat.vfio.cli;

/** The server answered a request with an error reply: −errno and its message. */
public final class WireException extends RuntimeException {
    private final int errno;

    public WireException(String op, int errno, String message) {
        super(op + " failed with errno " + errno + (message.isEmpty() ? "" : ": " + message));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
