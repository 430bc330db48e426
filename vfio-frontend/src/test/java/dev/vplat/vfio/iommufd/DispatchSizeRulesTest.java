package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The generic size rules of main.c iommufd_fops_ioctl, before any handler runs. */
class DispatchSizeRulesTest {
    private final IommufdFixture f = IommufdFixture.create();

    private static byte[] allocWithSize(int size, int total) {
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, size);
        return b.array();
    }

    @Test
    void unmappedArgumentPointerIsEfault() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> f.file().ioctl(f.proc, IommufdIoctl.IOMMU_IOAS_ALLOC, 0x1000));
        assertEquals(Errno.EFAULT, e.errno());
    }

    @Test
    void sizeBelowTheLastMandatoryMemberIsEinval() {
        assertEquals(Errno.EINVAL, f.errnoRaw(IommufdIoctl.IOMMU_IOAS_ALLOC, allocWithSize(11, 12)));
        assertEquals(Errno.EINVAL, f.errnoRaw(IommufdIoctl.IOMMU_IOAS_MAP, allocWithSize(39, 40)));
    }

    @Test
    void largerStructWithNonZeroTailIsE2big() {
        byte[] b = allocWithSize(16, 16);
        b[15] = 1;
        assertEquals(Errno.E2BIG, f.errnoRaw(IommufdIoctl.IOMMU_IOAS_ALLOC, b));
    }

    @Test
    void largerStructWithZeroTailIsAcceptedAndOnlyTheKernelSizeIsWrittenBack() {
        byte[] b = allocWithSize(64, 64);
        java.util.Arrays.fill(b, 12, 64, (byte) 0);
        f.proc.memory().write(f.scratch, b);
        f.proc.memory().write(f.scratch + 64, new byte[] {(byte) 0xaa});
        f.file().ioctl(f.proc, IommufdIoctl.IOMMU_IOAS_ALLOC, f.scratch);
        IommuIoasAlloc out = Uapi.decode(IommuIoasAlloc.class, f.proc.memory().read(f.scratch, 12));
        assertEquals(1, out.outIoasId());
        assertEquals((byte) 0xaa, f.proc.memory().read(f.scratch + 64, 1)[0]);
    }

    @Test
    void tailThatRunsIntoUnmappedMemoryIsEfault() {
        long page = f.proc.memory().mmap(4096, 3, 0);
        long arg = page + 4096 - 12;
        f.proc.memory().write(arg, allocWithSize(64, 12));
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> f.file().ioctl(f.proc, IommufdIoctl.IOMMU_IOAS_ALLOC, arg));
        assertEquals(Errno.EFAULT, e.errno());
    }

    @Test
    void unknownNumbersAndForeignRequestCodesAreEnotty() {
        assertEquals(Errno.ENOTTY, f.errnoRaw(IommufdIoctl.IOMMU_HWPT_INVALIDATE, allocWithSize(32, 32)));
        assertEquals(Errno.ENOTTY, f.errnoRaw(IommufdIoctl.io(0xa1), allocWithSize(8, 8)));
        assertEquals(Errno.ENOTTY, f.errnoRaw(IommufdIoctl.io(0x70), allocWithSize(8, 8)));
        assertEquals(Errno.ENOTTY, f.errnoRaw(0x4000_3b81, allocWithSize(12, 12)));
    }

    @Test
    void testCommandIsEnottyWithoutTestHooks() {
        IommufdFixture plain = IommufdFixture.create(false, false, 1 << 14);
        assertEquals(Errno.ENOTTY, plain.errnoRaw(IommufdIoctl.IOMMU_TEST_CMD, allocWithSize(72, 72)));
    }

    @Test
    void shortButSufficientStructIsZeroExtended() {
        f.ioasAlloc();
        long uva = f.buffer(4096);
        IommuIoasMap full = IommufdFixture.mapCmd(1, IommufdFixture.FIXED_RW, uva, 4096, 0x10000);
        assertEquals(0x10000, f.call(IommufdIoctl.IOMMU_IOAS_MAP, full).iova());
    }
}
