package dev.vplat.vfio.server;

/**
 * Server limits and credentials.
 *
 * @param token              secret guest-role sessions must present (binary HELLO, text {@code auth}); null = none
 * @param maxPayload         largest payload accepted or produced (HELLO reports it)
 * @param maxInflight        requests of one session read but not yet answered before its socket stops being read
 * @param maxInflightBytes   the same limit in request bytes
 * @param writeLowWaterMark  outbound bytes below which a paused session is read again
 * @param writeHighWaterMark outbound bytes above which a session's socket stops being read
 * @param maxQueuedEvents    events a session may leave unwritten before it is closed with a notice
 */
public record ServerOptions(String token, int maxPayload, int maxInflight, long maxInflightBytes,
                            int writeLowWaterMark, int writeHighWaterMark, int maxQueuedEvents) {
    public static ServerOptions defaults() {
        return new ServerOptions(null, FrameHeader.DEFAULT_MAX_PAYLOAD, 1024, 32L << 20, 256 << 10, 1 << 20, 65536);
    }

    public ServerOptions withToken(String t) {
        return new ServerOptions(t, maxPayload, maxInflight, maxInflightBytes, writeLowWaterMark,
                writeHighWaterMark, maxQueuedEvents);
    }

    public ServerOptions withMaxQueuedEvents(int n) {
        return new ServerOptions(token, maxPayload, maxInflight, maxInflightBytes, writeLowWaterMark,
                writeHighWaterMark, n);
    }
}
