package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TextEncoderTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new TextEncoder());

    private String encode(Object msg) {
        ch.writeOutbound(msg);
        ByteBuf b = ch.readOutbound();
        String s = b.toString(StandardCharsets.US_ASCII);
        b.release();
        return s;
    }

    @Test
    void wireSizeIsTheLineWithItsNewlineInUtf8() {
        TextReply r = new TextReply("FAIL Unknown command 'caf\u00e9'");
        ch.writeOutbound(r);
        ByteBuf b = ch.readOutbound();
        assertEquals(b.readableBytes(), TextEncoder.wireSize(r));
        b.release();
        assertEquals(0, TextEncoder.wireSize(new Event.EventFdSignal(3, 1)), "dropped events cost nothing");
    }

    @Test
    void replyIsOneLine() {
        assertEquals("OK 0x0000000000000010\n", encode(new TextReply("OK 0x0000000000000010")));
    }

    @Test
    void intxOfSlot3PinAIsSwizzledToGsi19() {
        assertEquals("IRQ raise 19\n", encode(new Event.Intx(3 << 3, 1, true)));
        assertEquals("IRQ lower 19\n", encode(new Event.Intx(3 << 3, 1, false)));
    }

    @Test
    void intxOfSlot3PinBWrapsToGsi16() {
        assertEquals("IRQ raise 16\n", encode(new Event.Intx(3 << 3, 2, true)));
    }

    @Test
    void msiIsShownAsARaiseOfItsVector() {
        assertEquals("IRQ raise 48\n", encode(new Event.Msi(0xFEE00000L, 0x4030, 0x18)));
    }

    @Test
    void eventfdEventsHaveNoTextForm() {
        assertNull(TextEncoder.irqLine(new Event.EventFdSignal(3, 1)));
    }
}
