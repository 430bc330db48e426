package dev.vplat.guest.client;

import dev.vplat.vfio.kernel.Errno;

/**
 * A request the server answered with an error reply: the Linux errno (number and name), the
 * server's message for humans, and the op's error data — for IOCTL with an inline struct the
 * struct bytes as the call left them, for BATCH the values done so far, otherwise empty.
 */
public class VplatException extends RuntimeException {
    private final int op;
    private final int errno;
    private final String serverMessage;
    private final byte[] errorData;

    public VplatException(int op, int errno, String serverMessage, byte[] errorData) {
        super(Op.nameOf(op) + " failed: " + errnoName(errno) + " (" + errno + ")"
                + (serverMessage.isEmpty() ? "" : ": " + serverMessage));
        this.op = op;
        this.errno = errno;
        this.serverMessage = serverMessage;
        this.errorData = errorData.clone();
    }

    /** The same failure, re-thrown with the stack of the thread that waited for it. */
    VplatException rethrownHere() {
        VplatException copy = new VplatException(op, errno, serverMessage, errorData);
        copy.initCause(this);
        return copy;
    }

    /** The op code of the failed request. */
    public int op() {
        return op;
    }

    /** The positive errno number (Linux numbering), e.g. 22 for EINVAL. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. "EINVAL", or "errno N" for a number vplat does not name. */
    public String errnoName() {
        return errnoName(errno);
    }

    /** The errno as the host stack's enum, or null for a number it does not name. */
    public Errno errnoValue() {
        for (Errno e : Errno.values()) {
            if (e.number() == errno) {
                return e;
            }
        }
        return null;
    }

    /** True if the errno is {@code expected}: reads well in assertions. */
    public boolean is(Errno expected) {
        return expected.number() == errno;
    }

    /** The server's human-readable explanation (may be empty). */
    public String serverMessage() {
        return serverMessage;
    }

    /** The op's error data (a copy). */
    public byte[] errorData() {
        return errorData.clone();
    }

    /** Symbolic name of a Linux errno number. */
    public static String errnoName(int number) {
        for (Errno e : Errno.values()) {
            if (e.number() == number) {
                return e.name();
            }
        }
        return "errno " + number;
    }
}
