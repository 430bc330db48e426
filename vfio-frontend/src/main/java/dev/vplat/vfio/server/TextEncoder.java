package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;


/**
 * Encoding stage of text mode: reply lines and asynchronous interrupt lines, each ending in a
 * newline. Interrupts are printed the way qtest prints intercepted IRQs:
 * <ul>
 * <li>INTx as {@code IRQ raise N} / {@code IRQ lower N}, N being the IOAPIC input the device's pin
 * reaches with the standard PCI swizzle onto PIRQA..D = GSI 16..19: {@code 16 + (slot + pin - 1) mod 4};
 * <li>an MSI, which qtest never reports, as {@code IRQ raise V} with V its x86 vector (data bits
 * 7:0), without a matching lower: an MSI is an edge, and libqtest keeps the last level per line,
 * so {@code qtest_get_irq(V)} tells a test the vector fired. V stays below 256, which libqtest requires.
 * </ul>
 * Eventfd and log events have no text form and are dropped.
 */
public final class TextEncoder extends MessageToByteEncoder<Object> {
    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof TextReply || msg instanceof Event;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
        String line = line(msg);
        if (line != null) {
            BinaryEncoder.writeUtf8(out, line);
            out.writeByte('\n');
        }
    }

    /** Bytes {@code msg} takes on the wire: its line and newline, or nothing for an event without a text form. */
    public static int wireSize(Object msg) {
        String line = line(msg);
        return line == null ? 0 : ByteBufUtil.utf8Bytes(line) + 1;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Object msg, boolean preferDirect) {
        int size = wireSize(msg);
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    private static String line(Object msg) {
        return msg instanceof TextReply r ? r.line() : irqLine((Event) msg);
    }

    static String irqLine(Event e) {
        if (e instanceof Event.Intx i) {
            int slot = (i.requesterId() >> 3) & 0x1F;
            int gsi = 16 + ((slot + i.pin() - 1) & 3);
            return (i.level() ? "IRQ raise " : "IRQ lower ") + gsi;
        }
        if (e instanceof Event.Msi m) {
            return "IRQ raise " + (m.data() & 0xFF);
        }
        return null;
    }
}
