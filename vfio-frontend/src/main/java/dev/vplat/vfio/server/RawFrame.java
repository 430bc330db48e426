package dev.vplat.vfio.server;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;

/** A frame as cut from the stream: header fields and the payload, which the next stage releases. */
public final class RawFrame extends AbstractReferenceCounted {
    private final int tag;
    private final int op;
    private final int flags;
    private final ByteBuf payload;

    public RawFrame(int tag, int op, int flags, ByteBuf payload) {
        this.tag = tag;
        this.op = op;
        this.flags = flags;
        this.payload = payload;
    }

    public int tag() {
        return tag;
    }

    public int op() {
        return op;
    }

    public int flags() {
        return flags;
    }

    public ByteBuf payload() {
        return payload;
    }

    @Override
    protected void deallocate() {
        payload.release();
    }

    @Override
    public RawFrame touch(Object hint) {
        payload.touch(hint);
        return this;
    }
}
