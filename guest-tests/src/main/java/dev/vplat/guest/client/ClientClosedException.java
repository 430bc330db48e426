package dev.vplat.guest.client;

/**
 * The connection is gone: closed by this client, closed by the server (the last EVENT_LOG line,
 * which the server sends to say why, is part of the message), or broken by a transport error.
 * Every request still in flight completes with this exception.
 */
public class ClientClosedException extends RuntimeException {
    public ClientClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
