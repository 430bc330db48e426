package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessOpsTest {
    private final ServerFixture fx = new ServerFixture();
    private final Session user = fx.user();
    private final List<Long> ioctlArgs = new ArrayList<>();

    /** A device that, like an iommufd ioctl, reads its struct from user memory, bumps byte 4 and writes it back. */
    private final OpenFile device = new OpenFile() {
        @Override
        public String name() {
            return "/dev/test";
        }

        @Override
        public long ioctl(Process p, int request, long arg) {
            ioctlArgs.add(arg);
            if (request == 0x1) {
                return 7;
            }
            byte[] s = p.memory().read(arg, 8);
            s[4]++;
            p.memory().write(arg, s);
            if (request == 0x3) {
                throw new ErrnoException(Errno.EMSGSIZE, "ranges do not fit");
            }
            return 0;
        }
    };

    private Reply call(Op op, byte[] payload) {
        return fx.call(user, op, payload);
    }

    private int open(String path) {
        return call(Op.OPEN, Bytes.le().utf8(path).array()).result();
    }

    @Test
    void openOfAMissingNodeIsEnoent() {
        assertEquals(-Errno.ENOENT.number(), open("/dev/nope"));
    }

    @Test
    void fdsStartAt3LowestFreeFirst() {
        fx.platform.kernel().nodes().register("/dev/test", p -> device);
        assertEquals(3, open("/dev/test"));
        assertEquals(4, open("/dev/test"));
        call(Op.CLOSE, Bytes.le().u32(3).array());
        assertEquals(3, open("/dev/test"));
    }

    @Test
    void closeOfAnFdNotOpenIsEbadf() {
        assertEquals(-Errno.EBADF.number(), call(Op.CLOSE, Bytes.le().u32(9).array()).result());
    }

    @Test
    void scalarIoctlPassesTheArgumentVerbatimAndReturnsTheResult() {
        fx.platform.kernel().nodes().register("/dev/test", p -> device);
        int fd = open("/dev/test");
        Reply r = call(Op.IOCTL, Bytes.le().u32(fd).u32(0x1).u32(0).u32(0).u64(0xABCDEF).array());
        assertEquals(7, r.result());
        assertEquals(List.of(0xABCDEFL), ioctlArgs);
    }

    @Test
    void structIoctlRunsOnAUserCopyAndReturnsTheBytesAsLeft() {
        fx.platform.kernel().nodes().register("/dev/test", p -> device);
        int fd = open("/dev/test");
        Reply r = call(Op.IOCTL, Bytes.le().u32(fd).u32(0x2).u32(1).u32(0).u32(8).u32(0x10).array());
        assertEquals(0, r.result());
        assertArrayEquals(Bytes.le().u32(8).u32(0x11).array(), ((ReplyBody.Bytes) r.body()).data());
        assertTrue(user.process().memory().vmaAt(ioctlArgs.get(0)) != null, "the struct lives in the session's memory");
    }

    @Test
    void failingStructIoctlReturnsTheBytesAsLeftInTheErrorData() {
        fx.platform.kernel().nodes().register("/dev/test", p -> device);
        int fd = open("/dev/test");
        Reply r = call(Op.IOCTL, Bytes.le().u32(fd).u32(0x3).u32(1).u32(0).u32(8).u32(0x20).array());
        assertEquals(-Errno.EMSGSIZE.number(), r.result());
        ReplyBody.Error e = (ReplyBody.Error) r.body();
        assertArrayEquals(Bytes.le().u32(8).u32(0x21).array(), ((ReplyBody.Bytes) e.data()).data());
    }

    @Test
    void ioctlOnAFileWithoutIoctlsIsEnotty() {
        int fd = call(Op.EVENTFD, Bytes.le().u64(0).array()).result();
        assertEquals(-Errno.ENOTTY.number(), call(Op.IOCTL, Bytes.le().u32(fd).u32(0x3b80).u32(0).u32(0).u64(0).array()).result());
    }

    @Test
    void eventfdSignalIsAnEventOfItsSessionAndPreadReturnsAndClearsTheCounter() {
        int fd = call(Op.EVENTFD, Bytes.le().u64(0).array()).result();
        assertEquals(3, fd);
        assertEquals(8, call(Op.PWRITE, Bytes.le().u32(fd).u32(0).u64(0).u64(2).array()).result());
        assertEquals(List.of(new Event.EventFdSignal(3, 2)), fx.events);
        Reply r = call(Op.PREAD, Bytes.le().u32(fd).u32(8).u64(0).array());
        assertEquals(8, r.result());
        assertArrayEquals(Bytes.le().u64(2).array(), ((ReplyBody.Bytes) r.body()).data());
        assertEquals(-Errno.EAGAIN.number(), call(Op.PREAD, Bytes.le().u32(fd).u32(8).u64(0).array()).result());
    }

    @Test
    void aClosedEventfdSendsNoMoreEvents() {
        int fd = call(Op.EVENTFD, Bytes.le().u64(0).array()).result();
        var efd = (dev.vplat.vfio.kernel.EventFd) user.process().file(fd);
        call(Op.CLOSE, Bytes.le().u32(fd).array());
        efd.signal(1);
        assertTrue(fx.events.isEmpty());
    }

    @Test
    void mmapUwriteUreadRoundTrip() {
        long uva = ((ReplyBody.U64) call(Op.MMAP, Bytes.le().u64(8192).u32(3).u32(0).u64(0).array()).body()).value();
        call(Op.UWRITE, Bytes.le().u64(uva + 4094).raw(new byte[] {1, 2, 3, 4}).array());
        Reply r = call(Op.UREAD, Bytes.le().u64(uva + 4094).u32(4).array());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, ((ReplyBody.Bytes) r.body()).data());
    }

    @Test
    void mmapHonoursTheAlignmentAskedFor() {
        long uva = ((ReplyBody.U64) call(Op.MMAP, Bytes.le().u64(4096).u32(3).u32(0).u64(1 << 21).array()).body()).value();
        assertEquals(0, uva & ((1 << 21) - 1));
        assertTrue(uva != 0);
    }

    @Test
    void ureadOfUnmappedMemoryIsEfault() {
        long uva = ((ReplyBody.U64) call(Op.MMAP, Bytes.le().u64(4096).u32(3).u32(0).u64(0).array()).body()).value();
        call(Op.MUNMAP, Bytes.le().u64(uva).u64(4096).array());
        assertEquals(-Errno.EFAULT.number(), call(Op.UREAD, Bytes.le().u64(uva).u32(1).array()).result());
    }

    @Test
    void uwriteIntoReadOnlyMemoryIsEfault() {
        long uva = ((ReplyBody.U64) call(Op.MMAP, Bytes.le().u64(4096).u32(1).u32(0).u64(0).array()).body()).value();
        assertEquals(-Errno.EFAULT.number(), call(Op.UWRITE, Bytes.le().u64(uva).u8(1).array()).result());
    }

    @Test
    void exitReleasesTheFilesOfTheSession() {
        int[] released = {0};
        fx.platform.kernel().nodes().register("/dev/counted", p -> new OpenFile() {
            @Override
            public String name() {
                return "/dev/counted";
            }

            @Override
            public void release(Process p2) {
                released[0]++;
            }
        });
        open("/dev/counted");
        open("/dev/counted");
        fx.executor.exit(user);
        assertEquals(2, released[0]);
        assertEquals(0L, fx.platform.kernel().counters().get("fds"));
    }
}
