package dev.vplat.vfio.server;

/** A successful op: the reply's {@code result} field (fd, byte count, ioctl return, else 0) and data. */
public record OpResult(int result, ReplyBody body) {
    public static final OpResult OK = new OpResult(0, ReplyBody.EMPTY);

    public static OpResult of(ReplyBody body) {
        return new OpResult(0, body);
    }

    public static OpResult value(int result) {
        return new OpResult(result, ReplyBody.EMPTY);
    }
}
