package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Framing stage of binary mode: cuts the byte stream into {@link RawFrame}s. The length field
 * is validated as soon as the header is in, before any buffer is sized for the payload: a
 * payload above {@code max_payload} yields EMSGSIZE, a length shorter than the header EPROTO,
 * both fatal ({@link BadRequest#fatal()}) because the stream cannot be resynchronised; every
 * byte after such a frame is discarded.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final int maxPayload;
    private boolean broken;

    public FrameDecoder(int maxPayload) {
        this.maxPayload = maxPayload;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (broken) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < FrameHeader.SIZE) {
            return;
        }
        int base = in.readerIndex();
        long length = in.getUnsignedIntLE(base);
        int tag = in.getIntLE(base + 4);
        int op = in.getUnsignedShortLE(base + 8);
        int flags = in.getUnsignedShortLE(base + 10);
        if (length < FrameHeader.LENGTH_BIAS) {
            fail(in, out, new BadRequest(tag, op, new ServerError(Errno.EPROTO,
                    "frame length " + length + " is shorter than the 12 header bytes it must count"), true, 0));
            return;
        }
        long payload = length - FrameHeader.LENGTH_BIAS;
        if (payload > maxPayload) {
            fail(in, out, new BadRequest(tag, op, new ServerError(Errno.EMSGSIZE,
                    "payload of " + payload + " bytes exceeds max_payload " + maxPayload), true, 0));
            return;
        }
        if (in.readableBytes() < FrameHeader.SIZE + payload) {
            return;
        }
        in.skipBytes(FrameHeader.SIZE);
        out.add(new RawFrame(tag, op, flags, in.readRetainedSlice((int) payload)));
    }

    private void fail(ByteBuf in, List<Object> out, BadRequest bad) {
        broken = true;
        in.skipBytes(in.readableBytes());
        out.add(bad);
    }
}
