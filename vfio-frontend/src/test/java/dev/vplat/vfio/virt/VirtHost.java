package dev.vplat.vfio.virt;

import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.hostiommu.SmmuV3HostDriver;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.EventFd;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.vfio.Vfio;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The default Arm {@code virt} machine as {@code vplat serve --machine virt} builds it (host-owned
 * SMMUv3 {@code smmu0}, dmatest1 at 01:00.0 behind root port rp0), seen by one unprivileged user
 * process: struct bytes placed in its memory, then the file's ioctl, the path the protocol takes.
 */
final class VirtHost implements AutoCloseable {
    static final String DMATEST = "0000:01:00.0";

    final Platform platform;
    final HostKernel kernel;
    final HostStack stack;
    final Vfio vfio;
    final SmmuV3 smmu;
    final SmmuV3HostDriver smmuDriver;
    final Process proc;

    VirtHost() {
        this(256L << 20);
    }

    /** The machine with {@code memoryBytes} of RAM from 0x40000000. */
    VirtHost(long memoryBytes) {
        platform = Platforms.create(new PlatformConfig("virt", List.of(), List.of(), memoryBytes, false, "",
                ClockMode.VIRTUAL, false, List.of()));
        kernel = platform.kernel();
        stack = kernel.service(HostStack.class);
        vfio = kernel.service(Vfio.class);
        smmu = platform.machine().components(SmmuV3.class).get(0);
        smmuDriver = stack.smmuDriver(smmu.name());
        proc = kernel.spawn(false);
    }

    /** sysfs: unbind the device's DMA-API driver and bind vfio-pci. */
    void toVfio(String bdf) {
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
    }

    PciFunction function(String bdf) {
        return platform.machine().components(dev.vplat.pci.PciHost.class).get(0).function(RequesterId.parse(bdf));
    }

    int open(String path) {
        return proc.install(kernel.nodes().open(proc, path));
    }

    void close(int fd) {
        proc.close(fd);
    }

    int eventfd() {
        return proc.install(new EventFd(0));
    }

    long eventCount(int fd) {
        return ((EventFd) proc.file(fd)).counter();
    }

    long ioctl(int fd, int request, long arg) {
        return proc.file(fd).ioctl(proc, request, arg);
    }

    long mmap(long length) {
        return proc.memory().mmap(length, 3, 0);
    }

    /** A struct (or raw bytes) written into fresh user memory; its user address. */
    long put(Record r) {
        return put(Uapi.encode(r));
    }

    long put(byte[] bytes) {
        long uva = mmap(Math.max(bytes.length, 1));
        proc.memory().write(uva, bytes);
        return uva;
    }

    <R extends Record> R get(Class<R> type, long uva) {
        return Uapi.decode(type, proc.memory().read(uva, Uapi.sizeOf(type)));
    }

    byte[] read(long uva, int length) {
        return proc.memory().read(uva, length);
    }

    long pread(int fd, int region, long offset, int size) {
        byte[] b = proc.file(fd).pread(proc, size, VfioIoctl.regionOffset(region) + offset);
        long v = 0;
        for (int i = 0; i < b.length; i++) {
            v |= (b[i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    void pwrite(int fd, int region, long offset, int size, long value) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        proc.file(fd).pwrite(proc, b, VfioIoctl.regionOffset(region) + offset);
    }

    long counter(String name) {
        return kernel.counters().get(name);
    }

    static Errno errno(Executable call) {
        return assertThrows(ErrnoException.class, call).errno();
    }

    @Override
    public void close() {
        platform.close();
    }
}
