package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

/**
 * The session rules of binary mode around the op table: HELLO first (anything else, or a
 * failed HELLO, is answered and the connection closed), guest ops refused to user sessions
 * with EACCES, BYE answered then closed, and every failure turned into an error reply that
 * keeps the connection open. BYE and fatal errors end the session (its process exits) before
 * their reply is sent, so the reply means the process is gone. A fault inside a device model answers EIO rather than killing the
 * session.
 */
public final class BinaryExecutor implements SessionExecutor {
    private final SessionManager sessions;

    public BinaryExecutor(SessionManager sessions) {
        this.sessions = sessions;
    }

    @Override
    public Outcome execute(Session s, Object message) {
        if (s.closing()) {
            return Outcome.NOTHING;
        }
        Inbound in = (Inbound) message;
        boolean hello = in.op() == Op.HELLO.code();
        if (!s.started() && !hello) {
            return fatal(s, in, new ServerError(Errno.EPROTO, "the first frame must be HELLO, not "
                    + Op.describe(in.op())));
        }
        if (in instanceof BadRequest bad) {
            if (hello && !bad.fatal()) {
                return fatal(s, in, new ServerError(Errno.EPROTO, "malformed HELLO: " + bad.error().getMessage()));
            }
            return bad.fatal() ? fatal(s, in, bad.error()) : Outcome.reply(Reply.error(in.tag(), in.op(), bad.error()));
        }
        Request<?> r = (Request<?>) in;
        if (hello && s.started()) {
            return Outcome.reply(Reply.error(r.tag(), r.op(), new ServerError(Errno.EPROTO, "HELLO was already done")));
        }
        if (r.spec().op().access() == Op.Access.GUEST && s.role() != Session.Role.GUEST) {
            return Outcome.reply(Reply.error(r.tag(), r.op(), new ServerError(Errno.EACCES,
                    r.spec().op() + " needs the guest role; this session is a user process")));
        }
        try {
            OpResult result = r.run(s);
            Reply reply = new Reply(r.tag(), r.op(), result.result(), result.body());
            if (r.spec().op() == Op.BYE) {
                sessions.exit(s);
                return Outcome.last(reply);
            }
            return Outcome.reply(reply);
        } catch (ErrnoException e) {
            return hello ? fatal(s, in, ServerError.of(e)) : Outcome.reply(Reply.error(r.tag(), r.op(), ServerError.of(e)));
        } catch (RuntimeException e) {
            sessions.health().internalError(r.spec().op().name(), e);
            return Outcome.reply(Reply.error(r.tag(), r.op(), new ServerError(Errno.EIO,
                    r.spec().op() + " failed inside the machine: " + e)));
        }
    }

    private Outcome fatal(Session s, Inbound in, ServerError e) {
        sessions.exit(s);
        return Outcome.last(Reply.error(in.tag(), in.op(), e));
    }

    @Override
    public void exit(Session s) {
        sessions.exit(s);
    }
}
