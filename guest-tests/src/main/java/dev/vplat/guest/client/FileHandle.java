package dev.vplat.guest.client;

import dev.vplat.vfio.uapi.Uapi;

import java.util.Arrays;

/**
 * An fd of the session with the calls every typed wrapper shares. Closing it sends CLOSE once;
 * the server releases what the file held, as Linux does on the last close.
 */
public abstract class FileHandle implements AutoCloseable {
    protected final VplatClient client;
    protected final int fd;
    private boolean closed;

    protected FileHandle(VplatClient client, int fd) {
        this.client = client;
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    public VplatClient client() {
        return client;
    }

    /**
     * An ioctl with an inline uAPI struct ({@link dev.vplat.vfio.uapi}) of its full sizeof; the
     * struct as the call left it. The caller fills the leading {@code size}/{@code argsz}, as a C
     * program writes {@code .size = sizeof(cmd)}.
     */
    protected <R extends Record> R ioctl(int request, R arg) {
        return ioctl(request, arg, Uapi.sizeOf(arg.getClass()));
    }

    /**
     * An ioctl with the first {@code argsz} bytes of {@code arg}: an older, shorter layout of the
     * struct (the kernel's minsz, for members added later) or, past its sizeof, zero room the call
     * may fill (a capability chain).
     */
    protected <R extends Record> R ioctl(int request, R arg, int argsz) {
        return decodeReply(arg, ioctlBytes(request, arg, argsz), argsz);
    }

    /** As {@link #ioctl(int, Record, int)}, the struct bytes as the call left them. */
    protected byte[] ioctlBytes(int request, Record arg, int argsz) {
        return client.ioctl(fd, request, Arrays.copyOf(Uapi.encode(arg), argsz)).struct();
    }

    /**
     * Decodes the struct bytes a call left (a reply, or an error's data) as the type of what was
     * sent; fewer bytes than were sent is a protocol bug, never zeros.
     */
    @SuppressWarnings("unchecked")
    protected static <R extends Record> R decodeReply(R sent, byte[] reply, int argsz) {
        if (reply.length < argsz) {
            throw new IllegalStateException(sent.getClass().getSimpleName() + ": " + argsz + " bytes sent, "
                    + reply.length + " came back");
        }
        return Uapi.decode((Class<R>) sent.getClass(), reply);
    }

    /** An ioctl with a scalar argument; its return value. */
    protected int ioctl(int request, long arg) {
        return client.ioctl(fd, request, arg);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            client.close(fd);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[fd " + fd + "]";
    }
}
