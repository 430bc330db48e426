package dev.vplat.guest.client;

import java.io.Closeable;
import java.io.IOException;

/**
 * Moves whole frames between a client and a server. {@link #send} may be called from many threads
 * (the implementation serialises writes); {@link #receive} is called by the client's single reader
 * thread. The socket transport carries the binary protocol bytes; an embedded transport may hand
 * frames to an in-process server directly.
 */
public interface Transport extends Closeable {
    /** Sends one frame; returns once it is written (or queued) in order after earlier sends. */
    void send(Frame frame) throws IOException;

    /** Blocks for the next frame from the server; null when the server closed the connection. */
    Frame receive() throws IOException;

    /** Applies the server's {@code max_payload} from HELLO to incoming frames. */
    default void maxPayload(int limit) {
    }

    /** Where this transport is connected, for messages. */
    String describe();
}
