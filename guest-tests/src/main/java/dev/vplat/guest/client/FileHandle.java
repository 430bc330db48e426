package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.UapiStruct;

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

    /** An ioctl with an inline struct; the struct bytes as the call left them. */
    protected byte[] ioctl(int request, UapiStruct arg) {
        return client.ioctl(fd, request, arg.encode()).struct();
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
