package dev.vplat.vfio.server;

import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowControlTest {
    private final ServerOptions options = new ServerOptions(null, 1024, 2, 1000, 8, 16, 10);
    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final FlowControl flow = new FlowControl(options);

    @Test
    void readingStopsAtTheInflightLimitAndResumesWhenARequestIsAnswered() {
        flow.admitted(ch, 10);
        assertTrue(ch.config().isAutoRead());
        flow.admitted(ch, 10);
        assertFalse(ch.config().isAutoRead());
        flow.completed(ch, 10);
        assertTrue(ch.config().isAutoRead());
    }

    @Test
    void readingStopsAtTheInflightByteLimit() {
        flow.admitted(ch, 1000);
        assertFalse(ch.config().isAutoRead());
    }

    @Test
    void readingStopsWhileTheOutboundBufferIsAboveTheHighWaterMark() {
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        ch.write(io.netty.buffer.Unpooled.wrappedBuffer(new byte[64]));
        assertFalse(ch.isWritable());
        flow.update(ch);
        assertFalse(ch.config().isAutoRead());
        ch.flush();
        flow.update(ch);
        assertTrue(ch.config().isAutoRead());
    }
}
