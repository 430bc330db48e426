package dev.vplat.vfio.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A session seen as a process: an fd table (numbers from 3, lowest free first), a user address
 * space, credentials (root or not) and a memlock limit for pinned pages. Exit closes every fd
 * in ascending order and then drops the address space, so every object the session created is
 * released whatever state it was in.
 */
public final class Process {
    public static final int FIRST_FD = 3;
    public static final int MAX_FDS = 1024;

    private final int pid;
    private final boolean privileged;
    private final UserMemory memory;
    private final TreeMap<Integer, OpenFile> fds = new TreeMap<>();
    private long memlockLimitPages;
    private long lockedPages;
    private final List<Runnable> exitHooks = new ArrayList<>();
    private boolean exited;

    public Process(int pid, boolean privileged, UserMemory memory, long memlockLimitPages) {
        this.pid = pid;
        this.privileged = privileged;
        this.memory = memory;
        this.memlockLimitPages = memlockLimitPages;
    }

    public int pid() {
        return pid;
    }

    /** Root with all capabilities (guest-role sessions): CAP_SYS_RESOURCE, CAP_IPC_LOCK, ... */
    public boolean privileged() {
        return privileged;
    }

    public UserMemory memory() {
        return memory;
    }

    public int install(OpenFile file) {
        int fd = FIRST_FD;
        for (int used : fds.keySet()) {
            if (used != fd) {
                break;
            }
            fd++;
        }
        if (fd >= MAX_FDS) {
            throw new ErrnoException(Errno.EMFILE, "too many open files");
        }
        fds.put(fd, file);
        return fd;
    }

    public OpenFile file(int fd) {
        OpenFile f = fds.get(fd);
        if (f == null) {
            throw new ErrnoException(Errno.EBADF, "fd " + fd + " is not open");
        }
        return f;
    }

    /** Closes an fd; the file is released when no other fd of this process refers to it. */
    public void close(int fd) {
        OpenFile f = fds.remove(fd);
        if (f == null) {
            throw new ErrnoException(Errno.EBADF, "fd " + fd + " is not open");
        }
        if (!fds.containsValue(f)) {
            f.release(this);
        }
    }

    public int openFileCount() {
        return fds.size();
    }

    public List<OpenFile> openFiles() {
        return List.copyOf(fds.values());
    }

    public long memlockLimitPages() {
        return memlockLimitPages;
    }

    public void setMemlockLimitPages(long pages) {
        this.memlockLimitPages = pages;
    }

    /** Charges pinned pages against RLIMIT_MEMLOCK; privileged processes are not limited. */
    public void chargeLocked(long pages) {
        if (!privileged && lockedPages + pages > memlockLimitPages) {
            throw new ErrnoException(Errno.ENOMEM, "RLIMIT_MEMLOCK exceeded: " + (lockedPages + pages)
                    + " pages > limit " + memlockLimitPages);
        }
        lockedPages += pages;
    }

    public void unchargeLocked(long pages) {
        lockedPages -= pages;
    }

    public long lockedPages() {
        return lockedPages;
    }

    public void onExit(Runnable hook) {
        exitHooks.add(hook);
    }

    public boolean exited() {
        return exited;
    }

    /** Process exit, in the kernel's order: close fds lowest first, then exit hooks, then the mm. */
    public void exit() {
        if (exited) {
            return;
        }
        exited = true;
        for (Integer fd : List.copyOf(fds.keySet())) {
            if (fds.containsKey(fd)) {
                close(fd);
            }
        }
        for (Runnable r : exitHooks) {
            r.run();
        }
        memory.unmapAll();
    }
}
