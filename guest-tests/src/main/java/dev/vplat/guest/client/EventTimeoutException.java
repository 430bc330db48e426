package dev.vplat.guest.client;

/** No matching event arrived within the time an {@code await…} helper was given. */
public class EventTimeoutException extends RuntimeException {
    public EventTimeoutException(String message) {
        super(message);
    }
}
