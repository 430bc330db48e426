package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * A list of machine accesses sent as one BATCH frame (PROTOCOL.md op 0x0105): memory and port
 * reads and writes executed in order, one round trip for all of them. The reply holds one u64
 * per entry (the value read, or 0 for a write). A builder may be run any number of times.
 *
 * <pre>{@code
 * long[] v = client.batch(new Batch().writel(bar0 + 8, 1).readl(bar0 + 4).inb(0x3f8));
 * }</pre>
 */
public final class Batch {
    /** Entry kinds on the wire. */
    public static final int MEM_READ = 0, MEM_WRITE = 1, PIO_READ = 2, PIO_WRITE = 3;
    private static final int ENTRY_SIZE = 18;

    /** One access. {@code addr} is a physical address or, for port I/O, the port number. */
    public record Entry(int kind, int width, long addr, long value) {
        public Entry {
            if (kind < MEM_READ || kind > PIO_WRITE) {
                throw new IllegalArgumentException("batch entry kind " + kind);
            }
            if (width != 1 && width != 2 && width != 4 && width != 8) {
                throw new IllegalArgumentException("batch entry width " + width);
            }
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    public Batch add(Entry e) {
        entries.add(e);
        return this;
    }

    public Batch read(long addr, int width) {
        return add(new Entry(MEM_READ, width, addr, 0));
    }

    public Batch write(long addr, int width, long value) {
        return add(new Entry(MEM_WRITE, width, addr, value));
    }

    public Batch readb(long addr) {
        return read(addr, 1);
    }

    public Batch readw(long addr) {
        return read(addr, 2);
    }

    public Batch readl(long addr) {
        return read(addr, 4);
    }

    public Batch readq(long addr) {
        return read(addr, 8);
    }

    public Batch writeb(long addr, long value) {
        return write(addr, 1, value);
    }

    public Batch writew(long addr, long value) {
        return write(addr, 2, value);
    }

    public Batch writel(long addr, long value) {
        return write(addr, 4, value);
    }

    public Batch writeq(long addr, long value) {
        return write(addr, 8, value);
    }

    public Batch in(int port, int width) {
        return add(new Entry(PIO_READ, width, port & 0xffff, 0));
    }

    public Batch out(int port, int width, long value) {
        return add(new Entry(PIO_WRITE, width, port & 0xffff, value));
    }

    public Batch inb(int port) {
        return in(port, 1);
    }

    public Batch inw(int port) {
        return in(port, 2);
    }

    public Batch inl(int port) {
        return in(port, 4);
    }

    public Batch outb(int port, long value) {
        return out(port, 1, value);
    }

    public Batch outw(int port, long value) {
        return out(port, 2, value);
    }

    public Batch outl(int port, long value) {
        return out(port, 4, value);
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public int size() {
        return entries.size();
    }

    /** The request payload: u32 count, then count 18-byte entries. */
    byte[] encode() {
        LeWriter w = new LeWriter(4 + ENTRY_SIZE * entries.size()).u32(entries.size());
        for (Entry e : entries) {
            w.u8(e.kind()).u8(e.width()).u64(e.addr()).u64(e.value());
        }
        return w.toBytes();
    }

    /** Decodes a sequence of u64 values: a success reply, or a failed batch's error data. */
    static long[] values(byte[] data) {
        LeReader r = new LeReader(data);
        long[] out = new long[data.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.u64();
        }
        return out;
    }

    /** The values of the entries that completed before the failure a BATCH reported. */
    public static long[] valuesDone(VplatException failure) {
        return values(failure.errorData());
    }
}
