package dev.vplat.vfio.server;

import io.netty.channel.Channel;

/**
 * Backpressure for one connection, on its network thread: the socket is read only while the
 * outbound buffer is under the high water mark (channel writability) and the requests read but
 * not yet answered stay under the in-flight limits. A client that pipelines without reading
 * therefore fills its own socket buffers, never the server's memory.
 */
final class FlowControl {
    private final int maxInflight;
    private final long maxInflightBytes;
    private int inflight;
    private long inflightBytes;

    FlowControl(ServerOptions o) {
        this.maxInflight = o.maxInflight();
        this.maxInflightBytes = o.maxInflightBytes();
    }

    void admitted(Channel ch, int bytes) {
        inflight++;
        inflightBytes += bytes;
        update(ch);
    }

    void completed(Channel ch, int bytes) {
        inflight--;
        inflightBytes -= bytes;
        update(ch);
    }

    void update(Channel ch) {
        boolean read = ch.isWritable() && inflight < maxInflight && inflightBytes < maxInflightBytes;
        if (ch.config().isAutoRead() != read) {
            ch.config().setAutoRead(read);
        }
    }

    int inflight() {
        return inflight;
    }
}
