package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuOption;
import dev.vplat.vfio.uapi.IommufdStructs.IommuVfioIoas;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import org.junit.jupiter.api.Test;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Object ids, users, DESTROY, close, OPTION and VFIO_IOAS (main.c, ioas.c, vfio_compat.c). */
class ObjectLifecycleTest {
    private final IommufdFixture f = IommufdFixture.create();

    @Test
    void idsStartAtOneAndTheLowestFreeIdIsReused() {
        assertEquals(1, f.ioasAlloc());
        assertEquals(2, f.ioasAlloc());
        assertEquals(3, f.ioasAlloc());
        f.destroy(2);
        assertEquals(2, f.ioasAlloc());
        assertEquals(4, f.ioasAlloc());
    }

    @Test
    void ioasAllocWithFlagsIsEopnotsupp() {
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_IOAS_ALLOC, new IommuIoasAlloc(12, 1, 0)));
    }

    @Test
    void destroyOfAMissingIdIsEnoent() {
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, 5)));
    }

    @Test
    void mockDomainTakesIdsInKernelOrderAndWrongTypeLookupsAreEnoent() {
        int ioas = f.ioasAlloc();
        MockDomain md = f.mockDomain(ioas);
        assertEquals(2, md.outStdevId());
        assertEquals(3, md.outIdevId());
        assertEquals(4, md.outHwptId());
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_IOAS_MAP,
                IommufdFixture.mapCmd(md.outHwptId(), FIXED_RW, f.buffer(4096), 4096, 1L << 24)));
    }

    @Test
    void objectsInUseAreEbusyAndTheStdevReleasesThemInOrder() {
        int ioas = f.ioasAlloc();
        MockDomain md = f.mockDomain(ioas);
        assertEquals(Errno.EBUSY, f.errno(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, ioas)));
        assertEquals(Errno.EBUSY, f.errno(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, md.outHwptId())));
        assertEquals(Errno.EBUSY, f.errno(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, md.outIdevId())));
        f.destroy(md.outStdevId());
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, md.outHwptId())),
                "the automatic HWPT died with its last device");
        f.destroy(ioas);
        assertEquals(0, f.counter("iommufd_objects"));
    }

    @Test
    void closeDestroysEverythingAndReturnsEveryPin() {
        int ioas = f.ioasAlloc();
        long buf = f.buffer(16 * 4096);
        f.map(ioas, FIXED_RW, buf, 16 * 4096, 1L << 24);
        f.mockDomain(ioas);
        f.mockDomain(ioas);
        assertEquals(16, f.counter("pinned_pages"));
        assertEquals(16, f.proc.lockedPages());
        f.proc.close(f.fd);
        assertEquals(0, f.counter("iommufd_objects"));
        assertEquals(0, f.counter("pinned_pages"));
        assertEquals(0, f.proc.lockedPages());
        assertEquals(0, f.iommufd.contexts().size());
    }

    @Test
    void processExitLeavesNothingBehind() {
        int ioas = f.ioasAlloc();
        f.map(ioas, FIXED_RW, f.buffer(4096), 4096, 1L << 24);
        f.mockDomain(ioas);
        f.exit();
        assertEquals(0, f.counter("iommufd_objects"));
        assertEquals(0, f.counter("pinned_pages"));
    }

    private IommuOption option(int id, int op, int object, long val) {
        return new IommuOption(24, id, (short) op, (short) 0, object, val);
    }

    @Test
    void rlimitModeGetSetAndItsErrnos() {
        assertEquals(0, f.call(IommufdIoctl.IOMMU_OPTION, option(0, 1, 0, 7)).val64());
        assertEquals(Errno.EPERM, f.errno(IommufdIoctl.IOMMU_OPTION, option(0, 0, 0, 1)), "needs CAP_SYS_RESOURCE");
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_OPTION, option(0, 1, 1, 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_OPTION, option(0, 2, 0, 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_OPTION, option(9, 1, 0, 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_OPTION,
                new IommuOption(24, 0, (short) 1, (short) 1, 0, 0)));
        IommufdFixture root = IommufdFixture.create(true, true, 1 << 14);
        assertEquals(Errno.EINVAL, root.errno(IommufdIoctl.IOMMU_OPTION, option(0, 0, 0, 2)));
        root.call(IommufdIoctl.IOMMU_OPTION, option(0, 0, 0, 1));
        assertEquals(1, root.call(IommufdIoctl.IOMMU_OPTION, option(0, 1, 0, 0)).val64());
        root.ioasAlloc();
        assertEquals(Errno.EBUSY, root.errno(IommufdIoctl.IOMMU_OPTION, option(0, 0, 0, 0)), "objects exist");
    }

    @Test
    void hugePagesOptionPerIoas() {
        int ioas = f.ioasAlloc();
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_OPTION, option(1, 1, 0, 0)));
        assertEquals(1, f.call(IommufdIoctl.IOMMU_OPTION, option(1, 1, ioas, 0)).val64());
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_OPTION, option(1, 0, ioas, 2)));
        f.map(ioas, FIXED_RW, f.buffer(4096), 0x800, 0x10000);
        assertEquals(Errno.EADDRINUSE, f.errno(IommufdIoctl.IOMMU_OPTION, option(1, 0, ioas, 0)),
                "a 2 KiB area cannot meet PAGE_SIZE alignment");
        assertEquals(1, f.call(IommufdIoctl.IOMMU_OPTION, option(1, 1, ioas, 0)).val64(), "setting reverted");
        f.unmap(ioas, 0, -1L);
        f.call(IommufdIoctl.IOMMU_OPTION, option(1, 0, ioas, 0));
        assertEquals(4096, f.ctx().ioas(ioas).iopt().alignment());
        f.mockDomain(ioas);
        f.map(ioas, FIXED_RW, f.buffer(4096), 4096, 1L << 24);
        f.call(IommufdIoctl.IOMMU_OPTION, option(1, 0, ioas, 1));
        assertEquals(Errno.EINVAL, f.errno(IommufdIoctl.IOMMU_OPTION, option(1, 0, ioas, 0)),
                "domains with mappings refuse to drop large pages");
    }

    @Test
    void vfioCompatIoasGetSetClear() {
        assertEquals(Errno.ENODEV, f.errno(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 0, (short) 0)));
        int ioas = f.ioasAlloc();
        assertEquals(Errno.ENOENT, f.errno(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 9, (short) 1, (short) 0)));
        f.call(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, ioas, (short) 1, (short) 0));
        assertEquals(ioas, f.call(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 0, (short) 0)).ioasId());
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 3, (short) 0)));
        assertEquals(Errno.EOPNOTSUPP, f.errno(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 0, (short) 1)));
        f.destroy(ioas);
        assertEquals(Errno.ENODEV, f.errno(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 0, (short) 0)),
                "destroying the compat IOAS clears it");
        f.ioasAlloc();
        f.call(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 1, (short) 1, (short) 0));
        f.call(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 2, (short) 0));
        assertEquals(Errno.ENODEV, f.errno(IommufdIoctl.IOMMU_VFIO_IOAS, new IommuVfioIoas(12, 0, (short) 0, (short) 0)));
    }
}
