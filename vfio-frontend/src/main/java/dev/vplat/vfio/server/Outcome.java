package dev.vplat.vfio.server;

/** What executing one request produced: the message to send (or null) and whether to close afterwards. */
public record Outcome(Object message, boolean close) {
    public static final Outcome NOTHING = new Outcome(null, false);

    public static Outcome reply(Object message) {
        return new Outcome(message, false);
    }

    public static Outcome last(Object message) {
        return new Outcome(message, true);
    }
}
