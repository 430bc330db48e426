package dev.vplat.guest.bench;

import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;

import java.util.ArrayList;
import java.util.List;

/**
 * The three process calls the IOAS benchmark makes, either straight into a host kernel in this
 * JVM or as a user session over the wire — so "in process" and "over the wire" run the same
 * ioctl sequence with the same struct bytes and differ only in the path the bytes take.
 */
public interface Syscalls {
    int open(String path);

    /** Runs {@code request} on {@code fd} with {@code struct} and returns the struct as the call left it. */
    byte[] ioctl(int fd, int request, byte[] struct);

    /** Anonymous read-write user memory; its user address. */
    long mmap(long length);

    /** A process of {@code kernel}, called from this thread (the kernel must have no other). */
    static Syscalls inProcess(HostKernel kernel, boolean privileged) {
        Process p = kernel.spawn(privileged);
        long scratch = p.memory().mmap(4096, 3, 0);
        return new Syscalls() {
            @Override
            public int open(String path) {
                OpenFile f = kernel.nodes().open(p, path);
                return p.install(f);
            }

            @Override
            public byte[] ioctl(int fd, int request, byte[] struct) {
                p.memory().write(scratch, struct);
                p.file(fd).ioctl(p, request, scratch);
                return p.memory().read(scratch, struct.length);
            }

            @Override
            public long mmap(long length) {
                return p.memory().mmap(length, 3, 0);
            }
        };
    }

    /** A user session's calls over the wire; buffers stay mapped until the session ends. */
    static Syscalls wire(VplatClient user) {
        List<UserBuffer> keep = new ArrayList<>();
        return new Syscalls() {
            @Override
            public int open(String path) {
                return user.open(path);
            }

            @Override
            public byte[] ioctl(int fd, int request, byte[] struct) {
                return user.ioctl(fd, request, struct).struct();
            }

            @Override
            public long mmap(long length) {
                UserBuffer b = user.mmap(length);
                keep.add(b);
                return b.address();
            }
        };
    }
}
