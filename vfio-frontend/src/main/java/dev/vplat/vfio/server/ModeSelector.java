package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * The first stage of every connection: the first bytes choose the mode. {@code VPL1} (consumed)
 * selects binary frames; anything else — as soon as a byte differs from the magic — selects
 * the qtest-compatible text mode. The selector then replaces itself with the mode's stages and
 * passes on the bytes it has seen.
 */
public final class ModeSelector extends ByteToMessageDecoder {
    /** Installs the stages of a mode after the selector. */
    public interface Modes {
        void binary(ChannelHandlerContext ctx);

        void text(ChannelHandlerContext ctx);
    }

    private final Modes modes;

    public ModeSelector(Modes modes) {
        this.modes = modes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), FrameHeader.MAGIC.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != FrameHeader.MAGIC[i]) {
                modes.text(ctx);
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n == FrameHeader.MAGIC.length) {
            in.skipBytes(n);
            modes.binary(ctx);
            ctx.pipeline().remove(this);
        }
    }
}
