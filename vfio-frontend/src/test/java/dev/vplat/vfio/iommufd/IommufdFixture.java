package dev.vplat.vfio.iommufd;

import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.Uapi;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A host kernel with the host stack booted on a machine with RAM and a PCI host (no IOMMU of
 * its own: IOMMU_TEST_OP_MOCK_DOMAIN brings the selftest's mock unit up), /dev/iommu, and one
 * process that opened it. Every call goes the way the
 * wire protocol sends it: the struct's bytes are written into the process's user memory and
 * OpenFile.ioctl gets the request code and the user address; the struct is read back after.
 */
final class IommufdFixture {
    static final long PAGE = 4096;
    static final int RW = IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_WRITEABLE;
    static final int FIXED_RW = RW | IommufdIoctl.IOAS_MAP_FIXED_IOVA;

    final HostKernel kernel;
    final Iommufd iommufd;
    final Process proc;
    final int fd;
    final long scratch;

    private IommufdFixture(HostKernel kernel, boolean privileged) {
        this.kernel = kernel;
        Iommufd installed = kernel.serviceOrNull(Iommufd.class);
        iommufd = installed != null ? installed : Iommufd.install(kernel);
        proc = kernel.spawn(privileged);
        fd = proc.install(kernel.nodes().open(proc, Iommufd.PATH));
        scratch = proc.memory().mmap(2 * PAGE, 3, 0);
    }

    static IommufdFixture create() {
        return create(false, true, HostKernel.DEFAULT_MEMLOCK_PAGES);
    }

    static IommufdFixture create(boolean privileged, boolean testHooks, long memlockPages) {
        Machine machine = new Machine("t", new Trace());
        machine.addRam("ram", 0, 1L << 30);
        PciHost pci = machine.add("pci", new PciHost(machine, PciHostOptions.q35()));
        machine.realize();
        HostKernel kernel = new HostKernel(machine, new HostPageAllocator(1L << 20, (1L << 30) - (1L << 20)));
        HostStack.boot(kernel, pci);
        kernel.setTestHooks(testHooks);
        kernel.setMemlockLimitPages(memlockPages);
        return new IommufdFixture(kernel, privileged);
    }

    /**
     * /dev/iommu (installed on first use) on a kernel whose host stack the test booted, opened by
     * a new unprivileged process.
     */
    static IommufdFixture on(HostKernel kernel) {
        return new IommufdFixture(kernel, false);
    }

    OpenFile file() {
        return proc.file(fd);
    }

    IommufdContext ctx() {
        return Iommufd.contextOf(file());
    }

    /** Writes the struct at the scratch address, issues the ioctl and decodes what is there after. */
    <R extends Record> R call(int request, R cmd) {
        byte[] b = Uapi.encode(cmd);
        proc.memory().write(scratch, b);
        file().ioctl(proc, request, scratch);
        @SuppressWarnings("unchecked")
        Class<R> type = (Class<R>) cmd.getClass();
        return Uapi.decode(type, proc.memory().read(scratch, b.length));
    }

    Errno errno(int request, Record cmd) {
        return assertThrows(ErrnoException.class, () -> call(request, cmd)).errno();
    }

    /** Issues an ioctl on raw bytes (for size-rule tests) and returns the errno. */
    Errno errnoRaw(int request, byte[] bytes) {
        proc.memory().write(scratch, bytes);
        return assertThrows(ErrnoException.class, () -> file().ioctl(proc, request, scratch)).errno();
    }

    int ioasAlloc() {
        return call(IommufdIoctl.IOMMU_IOAS_ALLOC, new IommuIoasAlloc(12, 0, 0)).outIoasId();
    }

    void destroy(int id) {
        call(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, id));
    }

    /** Anonymous read-write user memory, every page touched (backed). */
    long buffer(long length) {
        long uva = proc.memory().mmap(length, 3, 0);
        for (long off = 0; off < length; off += PAGE) {
            proc.memory().write(uva + off, new byte[] {1});
        }
        return uva;
    }

    static IommuIoasMap mapCmd(int ioas, int flags, long uva, long length, long iova) {
        return new IommuIoasMap(40, flags, ioas, 0, uva, length, iova);
    }

    long map(int ioas, int flags, long uva, long length, long iova) {
        return call(IommufdIoctl.IOMMU_IOAS_MAP, mapCmd(ioas, flags, uva, length, iova)).iova();
    }

    long unmap(int ioas, long iova, long length) {
        return call(IommufdIoctl.IOMMU_IOAS_UNMAP, new IommuIoasUnmap(24, ioas, iova, length)).length();
    }

    static IommuTestCmd testCmd(int op, int id, Record body) {
        return new IommuTestCmd(Uapi.sizeOf(IommuTestCmd.class), op, id, 0, Uapi.encode(body), 0);
    }

    IommuTestCmd test(int op, int id, Record body) {
        return call(IommufdIoctl.IOMMU_TEST_CMD, testCmd(op, id, body));
    }

    /** IOMMU_TEST_OP_MOCK_DOMAIN on {@code ptId}: a mock device bound and attached. */
    MockDomain mockDomain(int ptId) {
        return test(IommufdTestStructs.OP_MOCK_DOMAIN, ptId, new MockDomain(0, 0, 0)).body(MockDomain.class);
    }

    long counter(String name) {
        return kernel.counters().get(name);
    }

    void exit() {
        kernel.exit(proc);
    }
}
