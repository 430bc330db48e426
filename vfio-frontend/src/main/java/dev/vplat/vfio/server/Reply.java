package dev.vplat.vfio.server;

/** A reply frame: the request's tag and op, the result (≥ 0, or −errno) and the data. */
public record Reply(int tag, int op, int result, ReplyBody body) implements BinaryOut {
    public static Reply error(int tag, int op, ServerError e) {
        return new Reply(tag, op, -e.errno().number(), new ReplyBody.Error(e.getMessage(), e.errorData()));
    }
}
