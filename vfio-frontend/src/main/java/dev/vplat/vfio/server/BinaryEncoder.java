package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

import java.nio.charset.StandardCharsets;

/**
 * Encoding stage of binary mode: replies and events to frames (16-byte header, little-endian
 * data). Each frame goes into a buffer of exactly its {@link #wireSize}, which is also what the
 * connection's output accounting charges for it before it is encoded.
 */
public final class BinaryEncoder extends MessageToByteEncoder<BinaryOut> {
    private static final int MAX_MESSAGE = 0xFFFF;

    public BinaryEncoder() {
        super(BinaryOut.class);
    }

    /** Bytes the frame for {@code msg} (a {@link Reply} or {@link Event}) takes on the wire. */
    public static int wireSize(Object msg) {
        if (msg instanceof Reply r) {
            return FrameHeader.SIZE + bodySize(r.body());
        }
        return FrameHeader.SIZE + eventSize((Event) msg);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, BinaryOut msg, boolean preferDirect) {
        int size = wireSize(msg);
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
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
            writeUtf8(out, t.text());
        } else if (body instanceof ReplyBody.Hello h) {
            out.writeShortLE(h.major()).writeShortLE(h.minor());
            writeUtf8(out, h.json());
        } else if (body instanceof ReplyBody.Error err) {
            byte[] message = err.message() == null ? new byte[0] : err.message().getBytes(StandardCharsets.UTF_8);
            int n = Math.min(message.length, MAX_MESSAGE);
            out.writeShortLE(n).writeBytes(message, 0, n);
            writeBody(out, err.data());
        }
    }

    /** UTF-8 of {@code text}, reserving exactly its length (a plain writeCharSequence reserves 3 bytes a char). */
    static void writeUtf8(ByteBuf out, String text) {
        ByteBufUtil.reserveAndWriteUtf8(out, text, ByteBufUtil.utf8Bytes(text));
    }

    private static int bodySize(ReplyBody body) {
        if (body instanceof ReplyBody.Bytes b) {
            return b.data().length;
        } else if (body instanceof ReplyBody.U32) {
            return 4;
        } else if (body instanceof ReplyBody.U64) {
            return 8;
        } else if (body instanceof ReplyBody.U64s v) {
            return 8 * v.count();
        } else if (body instanceof ReplyBody.Utf8 t) {
            return ByteBufUtil.utf8Bytes(t.text());
        } else if (body instanceof ReplyBody.Hello h) {
            return 4 + ByteBufUtil.utf8Bytes(h.json());
        } else if (body instanceof ReplyBody.Error err) {
            int n = err.message() == null ? 0 : Math.min(ByteBufUtil.utf8Bytes(err.message()), MAX_MESSAGE);
            return 2 + n + bodySize(err.data());
        }
        return 0;
    }

    private static int eventSize(Event e) {
        if (e instanceof Event.Msi) {
            return 14;
        } else if (e instanceof Event.Intx) {
            return 4;
        } else if (e instanceof Event.EventFdSignal) {
            return 12;
        } else if (e instanceof Event.Log l) {
            return ByteBufUtil.utf8Bytes(l.line());
        }
        return 0;
    }

    private static void writeEvent(ByteBuf out, Event e) {
        if (e instanceof Event.Msi m) {
            out.writeLongLE(m.address()).writeIntLE(m.data()).writeShortLE(m.requesterId());
        } else if (e instanceof Event.Intx i) {
            out.writeShortLE(i.requesterId()).writeByte(i.pin()).writeByte(i.level() ? 1 : 0);
        } else if (e instanceof Event.EventFdSignal s) {
            out.writeIntLE(s.fd()).writeLongLE(s.counter());
        } else if (e instanceof Event.Log l) {
            writeUtf8(out, l.line());
        }
    }
}
