package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.Uapi;

/**
 * One ioctl call as a handler sees it (main.c struct iommufd_ucmd): the decoded command, the
 * context, the caller and where its struct lives, so the handler can answer the way
 * iommufd_ucmd_respond does.
 */
public final class Ucmd<T extends Record> {
    private final IommufdContext ctx;
    private final Process process;
    private final long uaddr;
    private final int userSize;
    private final int kernelSize;
    private final T cmd;

    Ucmd(IommufdContext ctx, Process process, long uaddr, int userSize, int kernelSize, T cmd) {
        this.ctx = ctx;
        this.process = process;
        this.uaddr = uaddr;
        this.userSize = userSize;
        this.kernelSize = kernelSize;
        this.cmd = cmd;
    }

    public IommufdContext ctx() {
        return ctx;
    }

    public Process process() {
        return process;
    }

    public T cmd() {
        return cmd;
    }

    /**
     * iommufd_ucmd_respond: copies the updated struct back, no more than the caller's size and
     * no more than the kernel's; a fault is EFAULT.
     */
    public void respond(Record out) {
        byte[] b = Uapi.encode(out);
        process.memory().write(uaddr, b, 0, (int) Math.min(Integer.toUnsignedLong(userSize), kernelSize));
    }

    /** copy_to_user of one member of the caller's struct (IOMMU_OPTION writes only val64). */
    public void respondMember(Record out, String member) {
        byte[] b = Uapi.encode(out);
        int end = Uapi.offsetOfEnd(out.getClass().asSubclass(Record.class), member);
        int start = Uapi.offsetOf(out.getClass().asSubclass(Record.class), member);
        process.memory().write(uaddr + start, b, start, end - start);
    }

    public byte[] copyFromUser(long uva, int length) {
        return process.memory().read(uva, length);
    }

    public void copyToUser(long uva, byte[] data) {
        process.memory().write(uva, data);
    }
}
