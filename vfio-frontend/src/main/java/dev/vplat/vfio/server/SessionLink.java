package dev.vplat.vfio.server;

/**
 * The machine thread's handle on a session's connection. Implementations hand everything to the
 * connection's own network thread, where it is encoded and written in the order sent.
 */
public interface SessionLink {
    /** Sends the outcome of one request ({@code message} null: nothing to send); frees its flow-control credit. */
    void complete(Outcome outcome, int wireSize);

    /** Sends an event; a session that lets too many pile up unread is closed. */
    void event(Event event);

    /**
     * Asked before each request runs: whether the connection's unsent output is above its high
     * water mark. If so the caller holds the session's requests, and the link runs its drain
     * hook once the output is back under the mark; so a client that does not read its replies
     * costs the server at most the mark plus one reply.
     */
    boolean holdIfBacklogged();
}
