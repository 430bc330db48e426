package dev.vplat.vfio.kernel;

import java.util.function.LongConsumer;

/**
 * An eventfd (fs/eventfd.c): a 64-bit counter that signals add to and a read of 8 bytes returns
 * and clears (EAGAIN when zero, as with EFD_NONBLOCK). VFIO signals interrupts through it; the
 * session that owns it is told of every signal so the client can see it as an event.
 */
public final class EventFd implements OpenFile {
    private long counter;
    private LongConsumer onSignal = c -> { };

    public EventFd(long initial) {
        this.counter = initial;
    }

    /** Called with the new counter value after each signal; the server turns it into EVENT_EVENTFD. */
    public void onSignal(LongConsumer listener) {
        this.onSignal = listener;
    }

    public void signal(long n) {
        counter += n;
        onSignal.accept(counter);
    }

    public long counter() {
        return counter;
    }

    @Override
    public String name() {
        return "anon_inode:[eventfd]";
    }

    @Override
    public byte[] pread(Process process, int size, long offset) {
        if (size < 8) {
            throw new ErrnoException(Errno.EINVAL, "eventfd reads need 8 bytes");
        }
        if (counter == 0) {
            throw new ErrnoException(Errno.EAGAIN, "eventfd counter is zero");
        }
        long v = counter;
        counter = 0;
        return java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    @Override
    public int pwrite(Process process, byte[] data, long offset) {
        if (data.length < 8) {
            throw new ErrnoException(Errno.EINVAL, "eventfd writes need 8 bytes");
        }
        long v = java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        if (v == -1L) {
            throw new ErrnoException(Errno.EINVAL, "eventfd cannot add 0xffffffffffffffff");
        }
        signal(v);
        return 8;
    }
}
