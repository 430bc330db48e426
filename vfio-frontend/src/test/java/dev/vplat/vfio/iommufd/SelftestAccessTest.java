package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs.AccessPages;
import dev.vplat.vfio.uapi.IommufdTestStructs.AccessRw;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckRefs;
import dev.vplat.vfio.uapi.IommufdTestStructs.CreateAccess;
import dev.vplat.vfio.uapi.IommufdTestStructs.DestroyAccessPages;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static dev.vplat.vfio.iommufd.IommufdFixture.testCmd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** In-kernel accesses through the selftest commands (selftest.c, device.c iommufd_access_*). */
class SelftestAccessTest {
    private final IommufdFixture f = IommufdFixture.create();
    private final int ioas = f.ioasAlloc();
    private final long buf = f.buffer(4 * 4096);

    private int createAccess(int flags) {
        return f.test(IommufdTestStructs.OP_CREATE_ACCESS, ioas, new CreateAccess(0, flags))
                .body(CreateAccess.class).outAccessFd();
    }

    private int pin(int accessFd, long iova, long length, long uptr) {
        return f.test(IommufdTestStructs.OP_ACCESS_PAGES, accessFd, new AccessPages(0, 0, iova, length, uptr))
                .body(AccessPages.class).outAccessPagesId();
    }

    private void refs(int n) {
        f.test(IommufdTestStructs.OP_MD_CHECK_REFS, 0, new CheckRefs(4 * 4096, buf, n));
    }

    @Test
    void accessPinsChargeAndUnpinOnDestroyOfTheItem() {
        f.map(ioas, FIXED_RW, buf, 4 * 4096, 0x100000);
        int afd = createAccess(IommufdTestStructs.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
        int item = pin(afd, 0x100000, 4 * 4096, buf);
        refs(1);
        assertEquals(4, f.proc.lockedPages());
        f.test(IommufdTestStructs.OP_DESTROY_ACCESS_PAGES, afd, new DestroyAccessPages(item));
        refs(0);
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_TEST_CMD,
                testCmd(IommufdTestStructs.OP_DESTROY_ACCESS_PAGES, afd, new DestroyAccessPages(item))));
    }

    @Test
    void unmapTellsTheAccessToDropItsPins() {
        f.map(ioas, FIXED_RW, buf, 4 * 4096, 0x100000);
        int afd = createAccess(IommufdTestStructs.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
        pin(afd, 0x101000, 4096, buf + 4096);
        assertEquals(4 * 4096, f.unmap(ioas, 0x100000, 4 * 4096));
        refs(0);
        assertEquals(0, f.proc.lockedPages());
    }

    @Test
    void accessPinErrnos() {
        f.map(ioas, FIXED_RW, buf, 4096, 0x100000);
        int afd = createAccess(IommufdTestStructs.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_PAGES, afd,
                new AccessPages(0, 0, 0x100000, 8192, 0))), "not fully mapped");
        assertEquals(Errno.EBADE, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_PAGES, afd,
                new AccessPages(0, 0, 0x100000, 4096, buf + 4096))), "uptr is a different page");
        assertEquals(Errno.EBADFD, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_PAGES, f.fd,
                new AccessPages(0, 0, 0x100000, 4096, 0))));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_PAGES, afd,
                new AccessPages(4, 0, 0x100000, 4096, 0))));
        int nopin = createAccess(0);
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_PAGES, nopin,
                new AccessPages(0, 0, 0x100000, 4096, 0))));
        refs(0);
    }

    @Test
    void accessRwReadsAndWritesTheMappedMemory() {
        f.map(ioas, FIXED_RW, buf, 2 * 4096, 0x100000);
        int afd = createAccess(0);
        long user = f.buffer(4096);
        f.proc.memory().write(user, new byte[] {1, 2, 3, 4, 5});
        f.test(IommufdTestStructs.OP_ACCESS_RW, afd, new AccessRw(0x100ffe, 5, user, IommufdTestStructs.MOCK_ACCESS_RW_WRITE));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, f.proc.memory().read(buf + 0xffe, 5));
        f.proc.memory().write(buf + 0x10, new byte[] {7, 8});
        f.test(IommufdTestStructs.OP_ACCESS_RW, afd, new AccessRw(0x100010, 2, user + 100, 0));
        assertArrayEquals(new byte[] {7, 8}, f.proc.memory().read(user + 100, 2));
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_RW, afd,
                new AccessRw(0x101000, 0x2000, user, 0))));
    }

    @Test
    void writeThroughAnAccessToReadOnlyMemoryIsEperm() {
        f.map(ioas, IommufdIoctl.IOAS_MAP_READABLE | IommufdIoctl.IOAS_MAP_FIXED_IOVA, buf, 4096, 0x100000);
        int afd = createAccess(0);
        assertEquals(Errno.EPERM, f.errno(IommufdIoctl.IOMMU_TEST_CMD, testCmd(IommufdTestStructs.OP_ACCESS_RW, afd,
                new AccessRw(0x100000, 4, buf, IommufdTestStructs.MOCK_ACCESS_RW_WRITE))));
    }

    @Test
    void accessHoldsTheIoasAndTheContextUntilItsFdCloses() {
        f.map(ioas, FIXED_RW, buf, 4096, 0x100000);
        int afd = createAccess(IommufdTestStructs.MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
        pin(afd, 0x100000, 4096, buf);
        assertEquals(Errno.EBUSY, f.errno(IommufdIoctl.IOMMU_DESTROY, new dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy(8, ioas)));
        f.proc.close(f.fd);
        assertEquals(2, f.counter("iommufd_objects"));
        f.proc.close(afd);
        assertEquals(0, f.counter("iommufd_objects"));
        assertEquals(0, f.counter("pinned_pages"));
        assertEquals(0, f.proc.lockedPages());
    }
}
