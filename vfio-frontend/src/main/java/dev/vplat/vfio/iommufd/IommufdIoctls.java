package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.kernel.UserMemory;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptGetDirtyBitmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptSetDirtyTracking;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAllowIovas;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasCopy;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasIovaRanges;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuOption;
import dev.vplat.vfio.uapi.IommufdStructs.IommuVfioIoas;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.Uapi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * The iommufd ioctl table and its one dispatcher (main.c iommufd_ioctl_ops and
 * iommufd_fops_ioctl). The size rules run here, before any handler: the leading u32 size is
 * read (EFAULT), the slot must hold exactly this request (ENOTTY), size below the minimum is
 * EINVAL, bytes past the kernel's struct must be zero (E2BIG) and are then ignored, and the
 * struct is copied in (EFAULT). Numbers below the base or past the table go to the VFIO
 * compatibility handler, ENOTTY by default. The table ends at the last 6.18 command, or at
 * IOMMU_TEST_CMD when the kernel's test hooks are on, just as CONFIG_IOMMUFD_TEST sizes it.
 */
public final class IommufdIoctls {
    private final IoctlOp<?>[] withoutTest;
    private final IoctlOp<?>[] withTest;

    private IommufdIoctls(List<IoctlOp<?>> ops, IoctlOp<?> testOp) {
        withoutTest = new IoctlOp<?>[IommufdIoctl.LAST_CMD_NR - IommufdIoctl.CMD_BASE + 1];
        for (IoctlOp<?> op : ops) {
            withoutTest[IommufdIoctl.nr(op.request()) - IommufdIoctl.CMD_BASE] = op;
        }
        withTest = java.util.Arrays.copyOf(withoutTest, IommufdIoctl.nr(testOp.request()) - IommufdIoctl.CMD_BASE + 1);
        withTest[withTest.length - 1] = testOp;
    }

    /** The 6.18 commands this emulation serves; the others of the range answer ENOTTY. */
    static final IommufdIoctls TABLE = new IommufdIoctls(List.of(
            IoctlOp.of(IommufdIoctl.IOMMU_DESTROY, IommuDestroy.class, "id", CoreIoctls::destroy),
            IoctlOp.of(IommufdIoctl.IOMMU_GET_HW_INFO, IommuHwInfo.class, "reserved", HwptIoctls::getHwInfo),
            IoctlOp.of(IommufdIoctl.IOMMU_HWPT_ALLOC, IommuHwptAlloc.class, "reserved", HwptIoctls::alloc),
            IoctlOp.of(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, IommuHwptGetDirtyBitmap.class, "data",
                    HwptIoctls::getDirtyBitmap),
            IoctlOp.of(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, IommuHwptSetDirtyTracking.class, "reserved",
                    HwptIoctls::setDirtyTracking),
            IoctlOp.of(IommufdIoctl.IOMMU_IOAS_ALLOC, IommuIoasAlloc.class, "outIoasId", IoasIoctls::alloc),
            IoctlOp.of(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, IommuIoasAllowIovas.class, "allowedIovas",
                    IoasIoctls::allowIovas),
            IoctlOp.of(IommufdIoctl.IOMMU_IOAS_COPY, IommuIoasCopy.class, "srcIova", IoasIoctls::copy),
            IoctlOp.of(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, IommuIoasIovaRanges.class, "outIovaAlignment",
                    IoasIoctls::iovaRanges),
            IoctlOp.of(IommufdIoctl.IOMMU_IOAS_MAP, IommuIoasMap.class, "iova", IoasIoctls::map),
            IoctlOp.of(IommufdIoctl.IOMMU_IOAS_UNMAP, IommuIoasUnmap.class, "length", IoasIoctls::unmap),
            IoctlOp.of(IommufdIoctl.IOMMU_OPTION, IommuOption.class, "val64", CoreIoctls::option),
            IoctlOp.of(IommufdIoctl.IOMMU_VFIO_IOAS, IommuVfioIoas.class, "reserved", CoreIoctls::vfioIoas)),
            IoctlOp.of(IommufdIoctl.IOMMU_TEST_CMD, IommuTestCmd.class, "last", SelftestIoctls::execute));

    long dispatch(IommufdContext ctx, Process process, int request, long arg) {
        IoctlOp<?>[] table = ctx.iommufd().kernel().testHooks() ? withTest : withoutTest;
        int slot = IommufdIoctl.nr(request) - IommufdIoctl.CMD_BASE;
        if (slot < 0 || slot >= table.length) {
            return ctx.iommufd().vfioCompat().ioctl(ctx, process, request, arg);
        }
        UserMemory mem = process.memory();
        int userSize = ByteBuffer.wrap(mem.read(arg, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        IoctlOp<?> op = table[slot];
        if (op == null || op.request() != request) {
            throw fail(Errno.ENOTTY, "iommufd: inappropriate ioctl 0x" + Integer.toHexString(request));
        }
        long size = Integer.toUnsignedLong(userSize);
        if (size < op.minSize()) {
            throw fail(Errno.EINVAL, "struct size " + size + " below the minimum " + op.minSize());
        }
        return run(op, ctx, process, arg, userSize, copyStructFromUser(mem, arg, op.size(), size));
    }

    private static <T extends Record> long run(IoctlOp<T> op, IommufdContext ctx, Process process, long arg,
                                               int userSize, byte[] bytes) {
        T cmd = Uapi.decode(op.struct(), bytes);
        return op.handler().execute(new Ucmd<>(ctx, process, arg, userSize, op.size(), cmd));
    }

    /**
     * copy_struct_from_user: a larger user struct must be zero past the kernel's size (E2BIG);
     * a smaller one is zero-extended.
     */
    private static byte[] copyStructFromUser(UserMemory mem, long uaddr, int ksize, long usize) {
        if (usize > ksize) {
            long pos = uaddr + ksize;
            long remaining = usize - ksize;
            while (remaining > 0) {
                int chunk = (int) Math.min(remaining, UserMemory.PAGE_SIZE - (pos & (UserMemory.PAGE_SIZE - 1)));
                for (byte b : mem.read(pos, chunk)) {
                    if (b != 0) {
                        throw fail(Errno.E2BIG, "non-zero bytes past the " + ksize + "-byte struct");
                    }
                }
                pos += chunk;
                remaining -= chunk;
            }
        }
        byte[] out = new byte[ksize];
        mem.read(uaddr, out, 0, (int) Math.min(usize, ksize));
        return out;
    }
}
