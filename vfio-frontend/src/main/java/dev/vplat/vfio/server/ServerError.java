package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

/**
 * A failed request, with what the error reply carries beyond errno and message: the op's error
 * data (IOCTL struct bytes as left, BATCH values done so far).
 */
public final class ServerError extends ErrnoException {
    private final ReplyBody errorData;

    public ServerError(Errno errno, String message, ReplyBody errorData) {
        super(errno, message);
        this.errorData = errorData;
    }

    public ServerError(Errno errno, String message) {
        this(errno, message, ReplyBody.EMPTY);
    }

    public static ServerError of(ErrnoException e) {
        return e instanceof ServerError s ? s : new ServerError(e.errno(), e.getMessage());
    }

    public ReplyBody errorData() {
        return errorData;
    }
}
