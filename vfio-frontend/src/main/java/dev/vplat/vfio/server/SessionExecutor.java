package dev.vplat.vfio.server;

/** Executes one decoded inbound message of a session on the machine thread (binary or text rules). */
public interface SessionExecutor {
    Outcome execute(Session session, Object message);

    /** The connection is gone: the session's process exits. */
    void exit(Session session);
}
