package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.kernel.UserMemory;

/**
 * One connection's state, owned by the machine thread. A session becomes a process of the host
 * kernel when it starts (binary: at HELLO; text: at its first accepted command) and the process
 * exits when the connection closes, whatever the reason (DESIGN.md decision 3).
 */
public final class Session {
    public enum Role {
        USER, GUEST;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final SessionLink link;
    private Role role;
    private Process process;
    private boolean closing;
    private boolean exited;
    private boolean irqWatch;
    private String interceptPath;
    private long scratchAddr;
    private long scratchLength;

    public Session(SessionLink link) {
        this.link = link;
    }

    public SessionLink link() {
        return link;
    }

    void start(Role r, Process p) {
        this.role = r;
        this.process = p;
    }

    public boolean started() {
        return process != null;
    }

    public Role role() {
        return role;
    }

    /** The session's process; only after start. */
    public Process process() {
        if (process == null) {
            throw new ServerError(Errno.EPROTO, "session has not started");
        }
        return process;
    }

    /** No further request is executed: a fatal error or BYE was answered, or the connection is gone. */
    public boolean closing() {
        return closing;
    }

    void markClosing() {
        closing = true;
    }

    /** Whether the session has ended: its process exited (if it had one) and it takes no more requests. */
    boolean exited() {
        return exited;
    }

    void markExited() {
        exited = true;
        closing = true;
    }

    public boolean irqWatch() {
        return irqWatch;
    }

    void setIrqWatch(boolean on) {
        irqWatch = on;
    }

    String interceptPath() {
        return interceptPath;
    }

    void setInterceptPath(String path) {
        interceptPath = path;
    }

    /**
     * A writable mapping of at least {@code size} bytes in the session's user memory, for IOCTL
     * structs passed inline. It is kept between calls and remapped if it is too small or the
     * client unmapped part of it.
     */
    long scratch(int size) {
        UserMemory mem = process().memory();
        long need = Math.max(UserMemory.PAGE_SIZE, (size + UserMemory.PAGE_SIZE - 1) & -UserMemory.PAGE_SIZE);
        UserMemory.Vma vma = scratchAddr == 0 ? null : mem.vmaAt(scratchAddr);
        boolean intact = vma != null && vma.writable() && vma.end() >= scratchAddr + scratchLength
                && mem.vmaAt(scratchAddr + scratchLength - 1) == vma;
        if (!intact || scratchLength < need) {
            if (vma != null) {
                mem.munmap(scratchAddr, scratchLength);
            }
            scratchAddr = mem.mmap(need, 3, 0);
            scratchLength = need;
        }
        return scratchAddr;
    }
}
