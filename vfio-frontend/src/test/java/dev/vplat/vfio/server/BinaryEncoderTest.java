package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BinaryEncoderTest {
    private final EmbeddedChannel ch = new EmbeddedChannel(new BinaryEncoder());

    private byte[] encode(Object msg) {
        ch.writeOutbound(msg);
        ByteBuf b = ch.readOutbound();
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    @Test
    void wireSizeIsTheEncodedLengthOfEveryKindOfFrame() {
        List<BinaryOut> all = List.of(
                new Reply(1, 0x0100, 0, new ReplyBody.Bytes(new byte[33])),
                new Reply(1, 0x0103, 0, new ReplyBody.U32(7)),
                new Reply(1, 0x0110, 0, new ReplyBody.U64(7)),
                new Reply(1, 0x0105, 0, new ReplyBody.U64s(new long[] {1, 2, 3}, 2)),
                new Reply(1, 0x0130, 0, new ReplyBody.Utf8("{\"machine\":\"q35 \u00e9\u4e2d\"}")),
                new Reply(1, 0x0001, 0, new ReplyBody.Hello(1, 0, "{\"server\":\"vplat\"}")),
                new Reply(1, 0x0002, 0, ReplyBody.EMPTY),
                Reply.error(1, 0x0105, new ServerError(Errno.EFAULT, "\u00fcber", new ReplyBody.U64s(new long[] {5}, 1))),
                new Event.Msi(0xFEE0_0000L, 0x41, 0x18),
                new Event.Intx(0x18, 1, true),
                new Event.EventFdSignal(4, 1),
                new Event.Log("closing \u2013 too many events"));
        for (BinaryOut m : all) {
            assertEquals(encode(m).length, BinaryEncoder.wireSize(m), m.toString());
        }
    }

    @Test
    void successReplyHasReplyFlagTagOpAndData() {
        byte[] expected = Bytes.le().u32(12 + 4).u32(0x11223344).u16(0x0103).u16(1).u32(0).u32(0xffffffffL).array();
        assertArrayEquals(expected, encode(new Reply(0x11223344, 0x0103, 0, new ReplyBody.U32(-1))));
    }

    @Test
    void errorReplyCarriesNegativeErrnoMessageAndErrorData() {
        ServerError e = new ServerError(Errno.EFAULT, "bad", new ReplyBody.U64s(new long[] {5, 6}, 1));
        byte[] expected = Bytes.le().u32(12 + 2 + 3 + 8).u32(7).u16(0x0105).u16(1).u32(-14)
                .u16(3).utf8("bad").u64(5).array();
        assertArrayEquals(expected, encode(Reply.error(7, 0x0105, e)));
    }

    @Test
    void helloReplyStartsWithVersion() {
        byte[] expected = Bytes.le().u32(12 + 4 + 2).u32(1).u16(1).u16(1).u32(0).u16(1).u16(0).utf8("{}").array();
        assertArrayEquals(expected, encode(new Reply(1, 1, 0, new ReplyBody.Hello(1, 0, "{}"))));
    }

    @Test
    void msiEventIsTagZeroWithEventFlag() {
        byte[] expected = Bytes.le().u32(12 + 14).u32(0).u16(0x0300).u16(2).u32(0)
                .u64(0xfee00000L).u32(0x4041).u16(0x0018).array();
        assertArrayEquals(expected, encode(new Event.Msi(0xfee00000L, 0x4041, 0x0018)));
    }

    @Test
    void intxEventCarriesRequesterPinAndLevel() {
        byte[] expected = Bytes.le().u32(12 + 4).u32(0).u16(0x0301).u16(2).u32(0).u16(0x0018).u8(1).u8(1).array();
        assertArrayEquals(expected, encode(new Event.Intx(0x0018, 1, true)));
    }

    @Test
    void eventfdEventCarriesFdAndCounter() {
        byte[] expected = Bytes.le().u32(12 + 12).u32(0).u16(0x0302).u16(2).u32(0).u32(3).u64(2).array();
        assertArrayEquals(expected, encode(new Event.EventFdSignal(3, 2)));
    }

    @Test
    void logEventIsUtf8() {
        byte[] expected = Bytes.le().u32(12 + 2).u32(0).u16(0x0303).u16(2).u32(0).utf8("hi").array();
        assertArrayEquals(expected, encode(new Event.Log("hi")));
    }
}
