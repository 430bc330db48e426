package dev.vplat.vfio.testing;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.EventFd;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The system calls of one unprivileged process of a test machine, made the way the protocol
 * makes them: struct bytes placed in the process's user memory, then the file's ioctl, pread or
 * pwrite. Test beds for each machine extend it and say which kernel and process they mean.
 */
public abstract class UserProcessCalls {
    protected abstract HostKernel kernel();

    protected abstract Process process();

    public int open(String path) {
        return process().install(kernel().nodes().open(process(), path));
    }

    public void close(int fd) {
        process().close(fd);
    }

    public int eventfd() {
        return process().install(new EventFd(0));
    }

    public EventFd eventFd(int fd) {
        return (EventFd) process().file(fd);
    }

    public long eventCount(int fd) {
        return eventFd(fd).counter();
    }

    public long ioctl(int fd, int request, long arg) {
        return process().file(fd).ioctl(process(), request, arg);
    }

    /** Anonymous read/write user memory, page aligned. */
    public long mmap(long length) {
        return process().memory().mmap(length, 3, 0);
    }

    /** A struct written into fresh user memory; returns its user address. */
    public long put(Record r) {
        return put(Uapi.encode(r));
    }

    public long put(byte[] bytes) {
        long uva = mmap(Math.max(bytes.length, 1));
        process().memory().write(uva, bytes);
        return uva;
    }

    public <R extends Record> R get(Class<R> type, long uva) {
        return Uapi.decode(type, process().memory().read(uva, Uapi.sizeOf(type)));
    }

    public byte[] read(long uva, int length) {
        return process().memory().read(uva, length);
    }

    public long putInt(int v) {
        return put(le(v, 4));
    }

    /** A NUL-terminated string in user memory. */
    public long putString(String s) {
        byte[] b = new byte[s.length() + 1];
        for (int i = 0; i < s.length(); i++) {
            b[i] = (byte) s.charAt(i);
        }
        return put(b);
    }

    /** A little-endian read of {@code size} bytes of a VFIO device region. */
    public long pread(int fd, int region, long offset, int size) {
        byte[] b = process().file(fd).pread(process(), size, VfioIoctl.regionOffset(region) + offset);
        long v = 0;
        for (int i = 0; i < b.length; i++) {
            v |= (b[i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    public void pwrite(int fd, int region, long offset, int size, long value) {
        process().file(fd).pwrite(process(), le(value, size), VfioIoctl.regionOffset(region) + offset);
    }

    public long counter(String name) {
        return kernel().counters().get(name);
    }

    public static byte[] le(long v, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    public static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return b.array();
    }

    public static Errno errno(Executable call) {
        return assertThrows(ErrnoException.class, call).errno();
    }
}
