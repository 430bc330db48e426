package dev.vplat.vfio.robust;

import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.DriverControl;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.vfio.Vfio;

import java.util.List;

/**
 * The default q35 platform (test hooks on: fail-nth may be armed) driven in-process the way the
 * protocol drives it: a struct's bytes go into a process's user memory and {@code OpenFile.ioctl}
 * gets the request and the user address. Host-owned devices on q35: dmatest0 at 01:00.0 (own group),
 * mf0/mf1 at 00:05.0/.1 (one group), edu1 at 02:01.0 behind a PCIe-to-PCI bridge (two DMA aliases).
 */
final class HostBench implements AutoCloseable {
    static final String DMATEST0 = "0000:01:00.0", MF0 = "0000:00:05.0", MF1 = "0000:00:05.1", EDU1 = "0000:02:01.0";
    static final long PAGE = 4096;

    final Platform platform;
    final HostKernel kernel;

    HostBench() {
        this("q35");
    }

    /** {@code virt}: the Arm machine, its devices behind a host-owned SMMUv3 (dmatest0 at 00:03.0). */
    HostBench(String machine) {
        platform = Platforms.create(new PlatformConfig(machine, List.of(), List.of(), 256L << 20, false, "",
                ClockMode.VIRTUAL, true, List.of()));
        kernel = platform.kernel();
    }

    HostStack stack() {
        return kernel.service(HostStack.class);
    }

    /** Rebinds {@code bdf} to vfio-pci; its cdev path. */
    String toVfio(String bdf) {
        DriverControl drivers = kernel.service(DriverControl.class);
        drivers.unbind(bdf);
        drivers.bind(bdf, "vfio-pci");
        return kernel.service(Vfio.class).cdevPath(bdf);
    }

    String groupPath(String bdf) {
        return kernel.service(Vfio.class).groupPath(bdf);
    }

    /** A new process: root with every capability for {@code privileged}. */
    Proc spawn(boolean privileged) {
        return new Proc(kernel, kernel.spawn(privileged));
    }

    @Override
    public void close() {
        platform.close();
    }

    /** A process and the system calls the tests make with it. */
    static final class Proc {
        final HostKernel kernel;
        final Process process;
        private final long scratch;

        Proc(HostKernel kernel, Process process) {
            this.kernel = kernel;
            this.process = process;
            this.scratch = process.memory().mmap(PAGE, 3, 0);
        }

        int open(String path) {
            return process.install(kernel.nodes().open(process, path));
        }

        void close(int fd) {
            process.close(fd);
        }

        /** Anonymous read-write memory with every page touched, so pinning allocates nothing. */
        long buffer(long length) {
            long uva = process.memory().mmap(length, 3, 0);
            for (long off = 0; off < length; off += PAGE) {
                process.memory().write(uva + off, new byte[] {(byte) (off / PAGE + 1)});
            }
            return uva;
        }

        /** The struct in the process's scratch page, the ioctl, and the struct as the call left it. */
        <R extends Record> R ioctl(int fd, int request, R arg) {
            byte[] bytes = Uapi.encode(arg);
            process.memory().write(scratch, bytes);
            process.file(fd).ioctl(process, request, scratch);
            @SuppressWarnings("unchecked")
            Class<R> type = (Class<R>) arg.getClass();
            return Uapi.decode(type, process.memory().read(scratch, bytes.length));
        }

        long ioctl(int fd, int request, long arg) {
            return process.file(fd).ioctl(process, request, arg);
        }

        /** A NUL-terminated string in a fresh mapping; its user address. */
        long string(String s) {
            long uva = buffer(PAGE);
            byte[] b = (s + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            process.memory().write(uva, b);
            return uva;
        }

        void exit() {
            kernel.exit(process);
        }
    }
}
