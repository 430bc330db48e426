package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;

import java.util.Arrays;

/**
 * Anonymous user memory of a session (MMAP): the buffers a VFIO program hands to IOMMU_IOAS_MAP
 * or VFIO_IOMMU_MAP_DMA, and where a device's DMA lands. Offsets are relative to
 * {@link #address()}; every access is a UREAD/UWRITE. Closing unmaps it.
 */
public final class UserBuffer implements AutoCloseable {
    private final VplatClient client;
    private final long address;
    private final long length;
    private boolean unmapped;

    UserBuffer(VplatClient client, long address, long length) {
        this.client = client;
        this.address = address;
        this.length = length;
    }

    /** The user virtual address (uva) of the first byte. */
    public long address() {
        return address;
    }

    public long length() {
        return length;
    }

    /** The uva of byte {@code offset}, checked against the buffer. */
    public long at(long offset) {
        check(offset, 0);
        return address + offset;
    }

    public byte[] read(long offset, int size) {
        check(offset, size);
        return client.uread(address + offset, size);
    }

    public void write(long offset, byte[] data) {
        check(offset, data.length);
        client.uwrite(address + offset, data);
    }

    /** Sets {@code size} bytes from {@code offset} to {@code value}. */
    public void fill(long offset, int size, int value) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        write(offset, b);
    }

    public int readb(long offset) {
        return (int) LeReader.value(read(offset, 1));
    }

    public int readw(long offset) {
        return (int) LeReader.value(read(offset, 2));
    }

    public int readl(long offset) {
        return (int) LeReader.value(read(offset, 4));
    }

    public long readq(long offset) {
        return LeReader.value(read(offset, 8));
    }

    public void writeb(long offset, int value) {
        write(offset, new LeWriter(1).u8(value).toBytes());
    }

    public void writew(long offset, int value) {
        write(offset, new LeWriter(2).u16(value).toBytes());
    }

    public void writel(long offset, int value) {
        write(offset, new LeWriter(4).u32(value).toBytes());
    }

    public void writeq(long offset, long value) {
        write(offset, new LeWriter(8).u64(value).toBytes());
    }

    private void check(long offset, long size) {
        if (offset < 0 || size < 0 || offset + size > length) {
            throw new IndexOutOfBoundsException("offset " + offset + " size " + size + " outside a buffer of " + length);
        }
    }

    /** MUNMAP of the whole buffer; idempotent. */
    @Override
    public void close() {
        if (!unmapped) {
            unmapped = true;
            client.munmap(address, length);
        }
    }

    @Override
    public String toString() {
        return String.format("UserBuffer[0x%x+0x%x]", address, length);
    }
}
