package dev.vplat.vfio.server;

/** A decoded request: the client's tag, its row of the op table and the decoded arguments. */
public record Request<A>(int tag, OpSpec<A> spec, A args, int wireSize) implements Inbound {
    @Override
    public int op() {
        return spec.op().code();
    }

    OpResult run(Session session) {
        return spec.handler().handle(session, args);
    }
}
