package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;

import java.util.List;

/**
 * Decoding stage of binary mode: turns a {@link RawFrame} into a typed {@link Request} through
 * the op table, or a {@link BadRequest} (unknown op: ENOSYS; flags set: EINVAL; payload of the
 * wrong size: EINVAL). {@link BadRequest}s from framing pass through unchanged.
 */
public final class RequestDecoder extends MessageToMessageDecoder<Object> {
    private final OpTable table;

    public RequestDecoder(OpTable table) {
        this.table = table;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Object msg, List<Object> out) {
        if (!(msg instanceof RawFrame frame)) {
            out.add(io.netty.util.ReferenceCountUtil.retain(msg));
            return;
        }
        int wire = FrameHeader.SIZE + frame.payload().readableBytes();
        if (frame.flags() != 0) {
            out.add(new BadRequest(frame.tag(), frame.op(), new ServerError(Errno.EINVAL,
                    String.format("request flags must be 0, not 0x%x", frame.flags())), false, wire));
            return;
        }
        OpSpec<?> spec = table.spec(frame.op());
        if (spec == null) {
            out.add(new BadRequest(frame.tag(), frame.op(), new ServerError(Errno.ENOSYS,
                    Op.describe(frame.op()) + " is not an op this server knows"), false, wire));
            return;
        }
        try {
            out.add(spec.decode(frame.tag(), new ByteBufPayload(frame.payload(), spec.op().name()), wire));
        } catch (ErrnoException e) {
            out.add(new BadRequest(frame.tag(), frame.op(), ServerError.of(e), false, wire));
        }
    }
}
