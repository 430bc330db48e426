package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.EventFd;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;

import java.util.List;

import static dev.vplat.vfio.server.MachineOps.ended;

/** The process calls any role may make (PROTOCOL.md "Process calls"): files, ioctls, eventfds, user memory. */
final class ProcessOps {
    static final int ARG_SCALAR = 0;
    static final int ARG_STRUCT = 1;

    record Ioctl(int fd, int request, int argKind, long scalar, byte[] struct) {
    }

    record Pread(int fd, int size, long offset) {
    }

    record Pwrite(int fd, long offset, byte[] data) {
    }

    record Mmap(long length, int prot, long align) {
    }

    record Range(long addr, long length) {
    }

    record Uwrite(long addr, byte[] data) {
    }

    private final SessionManager sessions;

    ProcessOps(SessionManager sessions) {
        this.sessions = sessions;
    }

    List<OpSpec<?>> specs() {
        return List.of(
                new OpSpec<>(Op.OPEN, Payload::utf8, this::open),
                new OpSpec<>(Op.CLOSE, p -> ended(p, p.u32()), (s, fd) -> {
                    s.process().close(fd);
                    return OpResult.OK;
                }),
                new OpSpec<>(Op.IOCTL, ProcessOps::decodeIoctl, this::ioctl),
                new OpSpec<>(Op.PREAD, p -> ended(p, new Pread(p.u32(), p.u32(), p.u64())), this::pread),
                new OpSpec<>(Op.PWRITE, p -> {
                    int fd = p.u32();
                    p.u32();
                    return new Pwrite(fd, p.u64(), p.rest());
                }, (s, w) -> OpResult.value(s.process().file(w.fd()).pwrite(s.process(), w.data(), w.offset()))),
                new OpSpec<>(Op.EVENTFD, p -> ended(p, p.u64()), this::eventfd),
                new OpSpec<>(Op.MMAP, p -> {
                    long length = p.u64();
                    int prot = p.u32();
                    p.u32();
                    return ended(p, new Mmap(length, prot, p.u64()));
                }, (s, m) -> OpResult.of(new ReplyBody.U64(s.process().memory().mmap(m.length(), m.prot(), m.align())))),
                new OpSpec<>(Op.MUNMAP, p -> ended(p, new Range(p.u64(), p.u64())), (s, r) -> {
                    s.process().memory().munmap(r.addr(), r.length());
                    return OpResult.OK;
                }),
                new OpSpec<>(Op.UREAD, p -> ended(p, new Range(p.u64(), Integer.toUnsignedLong(p.u32()))), this::uread),
                new OpSpec<>(Op.UWRITE, p -> new Uwrite(p.u64(), p.rest()), (s, w) -> {
                    s.process().memory().write(w.addr(), w.data());
                    return OpResult.OK;
                }));
    }

    private OpResult open(Session s, String path) {
        Process p = s.process();
        OpenFile f = sessions.kernel().nodes().open(p, path);
        try {
            return OpResult.value(p.install(f));
        } catch (ErrnoException e) {
            f.release(p);
            throw e;
        }
    }

    /**
     * argKind 0 passes the u64 verbatim; argKind 1 copies the struct into the session's scratch
     * mapping, runs the call with its address and returns the bytes as the call left them — on
     * failure too, since Linux copies some structs back before failing.
     */
    private OpResult ioctl(Session s, Ioctl c) {
        Process p = s.process();
        OpenFile f = p.file(c.fd());
        if (c.argKind() == ARG_SCALAR) {
            return OpResult.value((int) f.ioctl(p, c.request(), c.scalar()));
        }
        long uva = s.scratch(c.struct().length);
        p.memory().write(uva, c.struct());
        long ret;
        try {
            ret = f.ioctl(p, c.request(), uva);
        } catch (ErrnoException e) {
            throw new ServerError(e.errno(), e.getMessage(),
                    new ReplyBody.Bytes(p.memory().read(uva, c.struct().length)));
        }
        return new OpResult((int) ret, new ReplyBody.Bytes(p.memory().read(uva, c.struct().length)));
    }

    private OpResult pread(Session s, Pread r) {
        if (r.size() < 0 || r.size() > sessions.options().maxPayload()) {
            throw new ServerError(Errno.EMSGSIZE, "PREAD: " + Integer.toUnsignedString(r.size())
                    + " bytes exceed max_payload " + sessions.options().maxPayload());
        }
        byte[] data = s.process().file(r.fd()).pread(s.process(), r.size(), r.offset());
        return new OpResult(data.length, new ReplyBody.Bytes(data));
    }

    /** The eventfd's signals become EVENT_EVENTFD frames of the owning session while its fd stays open. */
    private OpResult eventfd(Session s, long initial) {
        Process p = s.process();
        EventFd efd = new EventFd(initial);
        int fd = p.install(efd);
        efd.onSignal(counter -> {
            if (!s.closing() && isOpenAs(p, fd, efd)) {
                s.link().event(new Event.EventFdSignal(fd, counter));
            }
        });
        return OpResult.value(fd);
    }

    private static boolean isOpenAs(Process p, int fd, OpenFile f) {
        try {
            return p.file(fd) == f;
        } catch (ErrnoException e) {
            return false;
        }
    }

    private OpResult uread(Session s, Range r) {
        if (r.length() > sessions.options().maxPayload()) {
            throw new ServerError(Errno.EMSGSIZE, "UREAD: " + r.length() + " bytes exceed max_payload "
                    + sessions.options().maxPayload());
        }
        return OpResult.of(new ReplyBody.Bytes(s.process().memory().read(r.addr(), (int) r.length())));
    }

    private static Ioctl decodeIoctl(Payload p) {
        int fd = p.u32();
        int request = p.u32();
        int argKind = p.u32();
        p.u32();
        if (argKind == ARG_SCALAR) {
            return ended(p, new Ioctl(fd, request, argKind, p.u64(), null));
        }
        if (argKind == ARG_STRUCT) {
            return new Ioctl(fd, request, argKind, 0, p.rest());
        }
        throw new ServerError(Errno.EINVAL, "IOCTL: argKind " + argKind + " is neither 0 (scalar) nor 1 (struct)");
    }
}
