package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class ModeSelectorTest {
    private String mode;

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new ModeSelector(new ModeSelector.Modes() {
            @Override
            public void binary(ChannelHandlerContext ctx) {
                mode = "binary";
                ctx.pipeline().addLast(new ChannelInboundHandlerAdapter());
            }

            @Override
            public void text(ChannelHandlerContext ctx) {
                mode = "text";
                ctx.pipeline().addLast(new ChannelInboundHandlerAdapter());
            }
        }));
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder b = new StringBuilder();
        for (ByteBuf buf; (buf = ch.readInbound()) != null; ) {
            b.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        return b.toString();
    }

    @Test
    void magicSelectsBinaryAndIsConsumed() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("VPL1rest", StandardCharsets.US_ASCII));
        assertEquals("binary", mode);
        assertNull(ch.pipeline().get(ModeSelector.class));
        assertEquals("rest", drain(ch));
    }

    @Test
    void aPrefixOfTheMagicWaits() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("VP", StandardCharsets.US_ASCII));
        assertNull(mode);
        assertNotNull(ch.pipeline().get(ModeSelector.class));
        ch.writeInbound(Unpooled.copiedBuffer("L1", StandardCharsets.US_ASCII));
        assertEquals("binary", mode);
    }

    @Test
    void anyOtherFirstByteSelectsTextAndKeepsTheBytes() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("readl 0x0\n", StandardCharsets.US_ASCII));
        assertEquals("text", mode);
        assertEquals("readl 0x0\n", drain(ch));
    }
}
