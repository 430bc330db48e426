package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(64));

    @Test
    void partialHeaderAndPartialPayloadWaitForTheRest() {
        byte[] f = Bytes.frame(7, 0x0100, new byte[] {1, 2, 3, 4, 5});
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(f, 10)));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(f, 10, 18)));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(f, 18, f.length)));
        RawFrame frame = ch.readInbound();
        assertEquals(7, frame.tag());
        assertEquals(0x0100, frame.op());
        byte[] payload = new byte[frame.payload().readableBytes()];
        frame.payload().readBytes(payload);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, payload);
        frame.release();
    }

    @Test
    void twoFramesInOneBufferComeOutInOrder() {
        byte[] a = Bytes.frame(1, 0x0130, new byte[0]);
        byte[] b = Bytes.frame(2, 0x0131, new byte[0]);
        ch.writeInbound(Unpooled.wrappedBuffer(a, b));
        RawFrame first = ch.readInbound();
        RawFrame second = ch.readInbound();
        assertEquals(1, first.tag());
        assertEquals(2, second.tag());
        first.release();
        second.release();
    }

    @Test
    void payloadAboveMaxPayloadIsEmsgsizeAndFatalBeforeThePayloadArrives() {
        byte[] header = Bytes.le().u32(12 + 65).u32(9).u16(0x0101).u16(0).u32(0).array();
        ch.writeInbound(Unpooled.wrappedBuffer(header));
        BadRequest bad = ch.readInbound();
        assertEquals(Errno.EMSGSIZE, bad.error().errno());
        assertEquals(9, bad.tag());
        assertTrue(bad.fatal());
    }

    @Test
    void bytesAfterABrokenFrameAreDiscarded() {
        ch.writeInbound(Unpooled.wrappedBuffer(Bytes.le().u32(0xFFFF_FFF0L).u32(1).u16(1).u16(0).u32(0).array()));
        ch.readInbound();
        ch.writeInbound(Unpooled.wrappedBuffer(Bytes.frame(2, 0x0130, new byte[0])));
        assertNull(ch.readInbound());
    }

    @Test
    void lengthShorterThanTheHeaderIsEproto() {
        ch.writeInbound(Unpooled.wrappedBuffer(Bytes.le().u32(11).u32(3).u16(1).u16(0).u32(0).array()));
        BadRequest bad = ch.readInbound();
        assertEquals(Errno.EPROTO, bad.error().errno());
        assertTrue(bad.fatal());
    }

    @Test
    void payloadOfExactlyMaxPayloadIsAccepted() {
        ch.writeInbound(Unpooled.wrappedBuffer(Bytes.frame(4, 0x0213, new byte[64])));
        RawFrame frame = ch.readInbound();
        assertEquals(64, frame.payload().readableBytes());
        frame.release();
    }
}
