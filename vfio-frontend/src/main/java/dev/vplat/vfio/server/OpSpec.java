package dev.vplat.vfio.server;

/**
 * One row of the op table: the op, how its payload decodes into {@code A}, and the handler that
 * runs it on the machine thread. Decoding (network thread) and execution (machine thread) are
 * separate so that size rules are checked once, before anything is queued.
 */
public record OpSpec<A>(Op op, Decoder<A> decoder, Handler<A> handler) {
    @FunctionalInterface
    public interface Decoder<A> {
        A decode(Payload payload);
    }

    @FunctionalInterface
    public interface Handler<A> {
        OpResult handle(Session session, A args);
    }

    public Request<A> decode(int tag, Payload payload, int wireSize) {
        return new Request<>(tag, this, decoder.decode(payload), wireSize);
    }
}
