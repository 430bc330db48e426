package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decoding stage of text mode: a line (already cut by the line framer, CR stripped here) into
 * words. Blank lines are skipped; a line over the framer's limit becomes
 * {@link TextCommand#overLimit()} so that it is answered with FAIL in order, never by closing.
 */
public final class TextCommandDecoder extends MessageToMessageDecoder<ByteBuf> {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf line, List<Object> out) {
        String text = line.toString(StandardCharsets.UTF_8);
        if (!text.isBlank()) {
            out.add(TextCommand.of(text));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            ctx.fireChannelRead(TextCommand.overLimit());
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
