package dev.vplat.guest.client;

/**
 * Receives every event of a session, in arrival order, on the client's event thread (never the
 * reader thread), so a listener may make blocking calls on the same client.
 */
@FunctionalInterface
public interface EventListener {
    void onEvent(Event event);
}
