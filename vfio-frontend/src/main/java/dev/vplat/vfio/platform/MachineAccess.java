package dev.vplat.vfio.platform;

import dev.vplat.platform.clock.VirtualClock;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.LittleEndian;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.UnitOwner;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;

import java.util.HashSet;
import java.util.Set;

/**
 * The guest-role view of a machine, shared by the binary ops, the text (qtest) commands and the
 * embedded CLI so they agree on every rule: which reads are single accesses, which writes the
 * {@link GuestAccessPolicy} refuses, how the clock moves. Machine thread only.
 */
public final class MachineAccess {
    private static final int FILL_CHUNK = 64 * 1024;
    private final Machine machine;
    private final HostKernel kernel;

    MachineAccess(Machine machine, HostKernel kernel) {
        this.machine = machine;
        this.kernel = kernel;
    }

    /** True when {@code size} bytes at {@code addr} form one naturally aligned access of 1, 2, 4 or 8 bytes. */
    public static boolean isSingleAccess(long addr, long size) {
        return (size == 1 || size == 2 || size == 4 || size == 8) && (addr & (size - 1)) == 0;
    }

    /** One access of {@code width} bytes with MMIO semantics. */
    public long read(long addr, int width) {
        checkWidth(width, 8);
        return machine.system().read(addr, width);
    }

    public void write(long addr, int width, long value) {
        checkWidth(width, 8);
        checkWrite(addr, width);
        machine.system().write(addr, width, value);
    }

    /** MEM_READ: a single access when the size and alignment make one, else a byte range. */
    public byte[] readBytes(long addr, int size) {
        byte[] data = new byte[size];
        if (isSingleAccess(addr, size)) {
            LittleEndian.store(machine.system().read(addr, size), data, 0, size);
        } else {
            machine.system().read(addr, data, 0, size);
        }
        return data;
    }

    /** MEM_WRITE: the counterpart of {@link #readBytes}. */
    public void writeBytes(long addr, byte[] data) {
        checkWrite(addr, data.length);
        if (isSingleAccess(addr, data.length)) {
            machine.system().write(addr, data.length, LittleEndian.load(data, 0, data.length));
        } else {
            machine.system().write(addr, data, 0, data.length);
        }
    }

    public void fill(long addr, long size, byte value) {
        if (size < 0 || addr + size < addr) {
            throw new ErrnoException(Errno.EINVAL, "fill range wraps around");
        }
        checkWrite(addr, size);
        byte[] chunk = new byte[(int) Math.min(size, FILL_CHUNK)];
        java.util.Arrays.fill(chunk, value);
        long end = addr + size;
        long at = addr;
        while (at < end) {
            // holes drop writes: jump over them, or a fill of 2^60 bytes would hold the machine thread forever
            long next = machine.system().nextDecoded(at);
            if (next < 0 || next >= end) {
                break;
            }
            int n = (int) Math.min(chunk.length, end - next);
            machine.system().write(next, chunk, 0, n);
            at = next + n;
        }
    }

    public long pioRead(int port, int width) {
        checkWidth(width, 4);
        return machine.io().read(port & 0xFFFF, width);
    }

    public void pioWrite(int port, int width, long value) {
        checkWidth(width, 4);
        machine.io().write(port & 0xFFFF, width, value);
    }

    /** Advances virtual time by {@code ns}, or with 0 to the next timer deadline; returns the time now. */
    public long clockStep(long ns) {
        VirtualClock clock = machine.clock();
        if (ns < 0) {
            throw new ErrnoException(Errno.EINVAL, "cannot step by a negative time");
        }
        return ns == 0 ? clock.stepToNextDeadline() : clock.step(ns);
    }

    /** Moves virtual time to {@code ns}; EINVAL when that is in the past. */
    public long clockSet(long ns) {
        VirtualClock clock = machine.clock();
        if (ns < clock.now() || ns < 0) {
            throw new ErrnoException(Errno.EINVAL, "clock is at " + clock.now() + " ns, cannot set it back to " + ns);
        }
        return clock.advanceTo(ns);
    }

    public long now() {
        return machine.clock().now();
    }

    /**
     * System reset: devices and guest-owned IOMMUs go to reset state, RAM keeps its contents.
     * Host-owned units are spared: resetting them would switch translation off behind the host
     * driver (every user's DMA untranslated, its invalidation queue dead), the same reason their
     * registers refuse guest writes.
     */
    public void reset() {
        HostStack stack = kernel.serviceOrNull(HostStack.class);
        Set<Object> spared = new HashSet<>();
        if (stack != null) {
            stack.unitOwners().forEach((id, owner) -> {
                if (owner == UnitOwner.HOST && machine.component(id) != null) {
                    spared.add(machine.component(id));
                }
            });
        }
        machine.resetExcept(spared);
    }

    private void checkWrite(long addr, long length) {
        GuestAccessPolicy policy = kernel.serviceOrNull(GuestAccessPolicy.class);
        if (policy != null && length > 0) {
            policy.checkGuestWrite(addr, length);
        }
    }

    private static void checkWidth(int width, int max) {
        if (width != 1 && width != 2 && width != 4 && (width != 8 || max < 8)) {
            throw new ErrnoException(Errno.EINVAL, "access width " + width + " is not one of 1, 2, 4"
                    + (max >= 8 ? ", 8" : ""));
        }
    }
}
