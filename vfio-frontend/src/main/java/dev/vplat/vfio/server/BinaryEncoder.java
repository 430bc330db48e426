package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

import java.nio.charset.StandardCharsets;

/** Encoding stage of binary mode: replies and events to frames (16-byte header, little-endian data). */
public final class BinaryEncoder extends MessageToByteEncoder<BinaryOut> {
    public BinaryEncoder() {
        super(BinaryOut.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, BinaryOut msg, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        if (msg instanceof Reply r) {
            out.writeIntLE(r.tag()).writeShortLE(r.op()).writeShortLE(FrameHeader.FLAG_REPLY).writeIntLE(r.result());
            writeBody(out, r.body());
        } else {
            Event e = (Event) msg;
            out.writeIntLE(0).writeShortLE(e.op().code()).writeShortLE(FrameHeader.FLAG_EVENT).writeIntLE(0);
            writeEvent(out, e);
        }
        out.setIntLE(start, out.writerIndex() - start - 4);
    }

    private static void writeBody(ByteBuf out, ReplyBody body) {
        if (body instanceof ReplyBody.Bytes b) {
            out.writeBytes(b.data());
        } else if (body instanceof ReplyBody.U32 v) {
            out.writeIntLE(v.value());
        } else if (body instanceof ReplyBody.U64 v) {
            out.writeLongLE(v.value());
        } else if (body instanceof ReplyBody.U64s v) {
            for (int i = 0; i < v.count(); i++) {
                out.writeLongLE(v.values()[i]);
            }
        } else if (body instanceof ReplyBody.Utf8 t) {
            out.writeCharSequence(t.text(), StandardCharsets.UTF_8);
        } else if (body instanceof ReplyBody.Hello h) {
            out.writeShortLE(h.major()).writeShortLE(h.minor()).writeCharSequence(h.json(), StandardCharsets.UTF_8);
        } else if (body instanceof ReplyBody.Error err) {
            byte[] message = err.message() == null ? new byte[0] : err.message().getBytes(StandardCharsets.UTF_8);
            int n = Math.min(message.length, 0xFFFF);
            out.writeShortLE(n).writeBytes(message, 0, n);
            writeBody(out, err.data());
        }
    }

    private static void writeEvent(ByteBuf out, Event e) {
        if (e instanceof Event.Msi m) {
            out.writeLongLE(m.address()).writeIntLE(m.data()).writeShortLE(m.requesterId());
        } else if (e instanceof Event.Intx i) {
            out.writeShortLE(i.requesterId()).writeByte(i.pin()).writeByte(i.level() ? 1 : 0);
        } else if (e instanceof Event.EventFdSignal s) {
            out.writeIntLE(s.fd()).writeLongLE(s.counter());
        } else if (e instanceof Event.Log l) {
            out.writeCharSequence(l.line(), StandardCharsets.UTF_8);
        }
    }
}
