package dev.vplat.guest.client;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class FrameCodecTest {
    private static FrameCodec reader(byte[] bytes, int max) {
        return new FrameCodec(Channels.newChannel(new ByteArrayInputStream(bytes)), max);
    }

    private static byte[] bytesOf(Frame... frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Frame f : frames) {
            ByteBuffer b = FrameCodec.encode(f);
            out.write(b.array(), b.arrayOffset(), b.limit());
        }
        return out.toByteArray();
    }

    @Test
    void encodeWritesLittleEndianHeaderWhoseLengthCountsTwelvePlusPayload() {
        byte[] b = bytesOf(new Frame(0x01020304, 0x0202, Frame.FLAG_REPLY, -22, new byte[]{9, 8, 7}));
        assertArrayEquals(new byte[]{
                15, 0, 0, 0,                 // length = 12 + 3
                4, 3, 2, 1,                  // tag
                2, 2,                        // op 0x0202 IOCTL
                1, 0,                        // flags REPLY
                (byte) 0xea, -1, -1, -1,     // result -22
                9, 8, 7}, b);
    }

    @Test
    void readerReturnsFramesInOrderAndNullAtCleanEnd() throws IOException {
        Frame a = Frame.request(1, Op.MEM_READ, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 4, 0, 0, 0});
        Frame e = new Frame(0, Op.EVENT_LOG.code(), Frame.FLAG_EVENT, 0, "bye".getBytes());
        FrameCodec r = reader(bytesOf(a, e), 1024);
        Frame a2 = r.read();
        Frame e2 = r.read();
        assertEquals(1, a2.tag());
        assertEquals(Op.MEM_READ.code(), a2.op());
        assertArrayEquals(a.payload(), a2.payload());
        assertTrue(e2.isEvent());
        assertEquals("bye", new String(e2.payload()));
        assertNull(r.read());
    }

    @Test
    void payloadLargerThanTheReadBufferIsReadWhole() throws IOException {
        byte[] big = new byte[200_000];
        Arrays.fill(big, (byte) 0x5a);
        big[big.length - 1] = 1;
        Frame f = reader(bytesOf(new Frame(3, Op.UREAD.code(), Frame.FLAG_REPLY, 0, big)), 1 << 20).read();
        assertArrayEquals(big, f.payload());
    }

    @Test
    void streamEndingInsideAFrameIsAnError() {
        byte[] whole = bytesOf(Frame.request(5, Op.BYE, new byte[]{1, 2, 3}));
        FrameCodec r = reader(Arrays.copyOf(whole, whole.length - 1), 1024);
        assertThrows(EOFException.class, r::read);
    }

    @Test
    void lengthOverThePayloadLimitIsRejectedBeforeAllocating() {
        byte[] header = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        IOException e = assertThrows(IOException.class, () -> reader(header, 1024).read());
        assertTrue(e.getMessage().contains("bad frame length"), e.getMessage());
    }

    @Test
    void lengthShorterThanTheHeaderIsRejected() {
        byte[] header = {11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThrows(IOException.class, () -> reader(header, 1024).read());
    }
}
