package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** {@link Payload} over a frame's payload buffer; used only inside {@link RequestDecoder}. */
final class ByteBufPayload implements Payload {
    private final ByteBuf buf;
    private final String opName;

    ByteBufPayload(ByteBuf buf, String opName) {
        this.buf = buf;
        this.opName = opName;
    }

    private void need(int n) {
        if (buf.readableBytes() < n) {
            throw new ServerError(Errno.EINVAL, opName + ": payload too short");
        }
    }

    @Override
    public int u8() {
        need(1);
        return buf.readUnsignedByte();
    }

    @Override
    public int u16() {
        need(2);
        return buf.readUnsignedShortLE();
    }

    @Override
    public int u32() {
        need(4);
        return buf.readIntLE();
    }

    @Override
    public long u64() {
        need(8);
        return buf.readLongLE();
    }

    @Override
    public byte[] bytes(int n) {
        need(n);
        byte[] b = new byte[n];
        buf.readBytes(b);
        return b;
    }

    @Override
    public byte[] rest() {
        return bytes(buf.readableBytes());
    }

    @Override
    public String utf8() {
        String s = buf.toString(buf.readerIndex(), buf.readableBytes(), StandardCharsets.UTF_8);
        buf.skipBytes(buf.readableBytes());
        return s;
    }

    @Override
    public int remaining() {
        return buf.readableBytes();
    }

    @Override
    public void end() {
        if (buf.isReadable()) {
            throw new ServerError(Errno.EINVAL, opName + ": " + buf.readableBytes() + " unexpected payload bytes");
        }
    }
}
