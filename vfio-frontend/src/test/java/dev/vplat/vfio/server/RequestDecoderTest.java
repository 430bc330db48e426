package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class RequestDecoderTest {
    private final ServerFixture fx = new ServerFixture();

    @Test
    void memReadDecodesAddressAndSize() {
        Request<?> r = (Request<?>) fx.decode(Op.MEM_READ.code(), Bytes.le().u64(0xfed90000L).u32(8).array());
        assertEquals(new MachineOps.Range(0xfed90000L, 8), r.args());
        assertEquals(42, r.tag());
        assertEquals(FrameHeader.SIZE + 12, r.wireSize());
    }

    @Test
    void unknownOpIsEnosys() {
        BadRequest bad = (BadRequest) fx.decode(0x7777, new byte[0]);
        assertEquals(Errno.ENOSYS, bad.error().errno());
        assertFalse(bad.fatal());
    }

    @Test
    void shortPayloadIsEinval() {
        BadRequest bad = (BadRequest) fx.decode(Op.MEM_READ.code(), Bytes.le().u64(0).array());
        assertEquals(Errno.EINVAL, bad.error().errno());
    }

    @Test
    void trailingBytesAreEinval() {
        BadRequest bad = (BadRequest) fx.decode(Op.CLOCK_STEP.code(), Bytes.le().u64(1).u8(0).array());
        assertEquals(Errno.EINVAL, bad.error().errno());
    }

    @Test
    void memWriteWhoseDataDisagreesWithSizeIsEinval() {
        BadRequest bad = (BadRequest) fx.decode(Op.MEM_WRITE.code(), Bytes.le().u64(0x1000).u32(4).u16(1).array());
        assertEquals(Errno.EINVAL, bad.error().errno());
    }

    @Test
    void batchLengthMustMatchItsCount() {
        BadRequest bad = (BadRequest) fx.decode(Op.BATCH.code(), Bytes.le().u32(2).raw(new byte[18]).array());
        assertEquals(Errno.EINVAL, bad.error().errno());
    }

    @Test
    void ioctlWithUnknownArgKindIsEinval() {
        BadRequest bad = (BadRequest) fx.decode(Op.IOCTL.code(), Bytes.le().u32(3).u32(0x3b80).u32(2).u32(0).array());
        assertEquals(Errno.EINVAL, bad.error().errno());
    }

    @Test
    void requestWithReplyFlagIsEinval() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(fx.table));
        ch.writeInbound(new RawFrame(5, Op.MACHINE_INFO.code(), FrameHeader.FLAG_REPLY, Unpooled.EMPTY_BUFFER));
        BadRequest bad = ch.readInbound();
        assertEquals(Errno.EINVAL, bad.error().errno());
    }

    @Test
    void framingErrorsPassThroughUnchanged() {
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(fx.table));
        BadRequest framing = new BadRequest(1, 1, new ServerError(Errno.EMSGSIZE, "too big"), true, 0);
        ch.writeInbound(framing);
        assertEquals(framing, ch.readInbound());
    }

    @Test
    void uwriteCarriesTheRestAsData() {
        Request<?> r = (Request<?>) fx.decode(Op.UWRITE.code(), Bytes.le().u64(0x7f0000000000L).raw(new byte[] {9, 8}).array());
        ProcessOps.Uwrite w = (ProcessOps.Uwrite) r.args();
        assertEquals(0x7f0000000000L, w.addr());
        assertArrayEquals(new byte[] {9, 8}, w.data());
    }
}
