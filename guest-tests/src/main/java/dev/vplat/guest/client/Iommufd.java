package dev.vplat.guest.client;

import dev.vplat.vfio.kernel.Errno;
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
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.IommufdStructs.IommuOption;
import dev.vplat.vfio.uapi.IommufdStructs.IommuVfioIoas;
import dev.vplat.vfio.uapi.Uapi;

import java.util.List;

import static dev.vplat.vfio.uapi.IommufdIoctl.*;
import static dev.vplat.vfio.uapi.Uapi.sizeOf;

/**
 * An open {@code /dev/iommu}: every iommufd ioctl as a typed call (include/uapi/linux/iommufd.h).
 * Calls that pass arrays by pointer (ALLOW_IOVAS, IOVA_RANGES, GET_HW_INFO data,
 * GET_DIRTY_BITMAP) stage them in a scratch {@link UserBuffer} of the session, as a C program
 * would pass a stack or heap buffer.
 *
 * <pre>{@code
 * Iommufd iommufd = client.openIommufd();
 * int ioas = iommufd.ioasAlloc();
 * long iova = iommufd.map(ioas, buf.address(), buf.length(),
 *         IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE, 0);
 * }</pre>
 */
public final class Iommufd extends FileHandle {
    /** ~0: with iova 0, the "unmap everything" length of IOMMU_IOAS_UNMAP. */
    public static final long UNMAP_ALL_LENGTH = -1L;
    private static final int RANGE_SIZE = sizeOf(IommuIovaRange.class);

    Iommufd(VplatClient client, int fd) {
        super(client, fd);
    }

    /** IOMMU_IOAS_ALLOC; the new IOAS id. */
    public int ioasAlloc() {
        return ioctl(IOMMU_IOAS_ALLOC, new IommuIoasAlloc(sizeOf(IommuIoasAlloc.class), 0, 0)).outIoasId();
    }

    /** IOMMU_DESTROY of any object (IOAS, HWPT, …). */
    public void destroy(int id) {
        ioctl(IOMMU_DESTROY, new IommuDestroy(sizeOf(IommuDestroy.class), id));
    }

    /**
     * IOMMU_IOAS_MAP of {@code length} bytes of user memory at {@code userVa}; the IOVA used
     * ({@code iova} itself with FIXED_IOVA in {@code flags}, else the one the kernel chose).
     */
    public long map(int ioas, long userVa, long length, int flags, long iova) {
        return ioctl(IOMMU_IOAS_MAP,
                new IommuIoasMap(sizeOf(IommuIoasMap.class), flags, ioas, 0, userVa, length, iova)).iova();
    }

    /** Maps a whole buffer read-write at an IOVA the kernel chooses. */
    public long map(int ioas, UserBuffer buffer) {
        return map(ioas, buffer.address(), buffer.length(), IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE, 0);
    }

    /** Maps a whole buffer read-write at a fixed IOVA. */
    public void mapFixed(int ioas, UserBuffer buffer, long iova) {
        map(ioas, buffer.address(), buffer.length(),
                IOAS_MAP_FIXED_IOVA | IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE, iova);
    }

    /** IOMMU_IOAS_UNMAP; the bytes unmapped. */
    public long unmap(int ioas, long iova, long length) {
        return ioctl(IOMMU_IOAS_UNMAP, new IommuIoasUnmap(sizeOf(IommuIoasUnmap.class), ioas, iova, length)).length();
    }

    /** IOMMU_IOAS_UNMAP of everything in the IOAS; the bytes unmapped. */
    public long unmapAll(int ioas) {
        return unmap(ioas, 0, UNMAP_ALL_LENGTH);
    }

    /** IOMMU_IOAS_COPY; the destination IOVA. */
    public long copy(int dstIoas, int srcIoas, long srcIova, long length, int flags, long dstIova) {
        return ioctl(IOMMU_IOAS_COPY, new IommuIoasCopy(sizeOf(IommuIoasCopy.class), flags, dstIoas, srcIoas,
                length, dstIova, srcIova)).dstIova();
    }

    /** The result of IOMMU_IOAS_IOVA_RANGES: the usable ranges and the IOAS's IOVA alignment. */
    public record IovaRanges(List<IommuIovaRange> ranges, long alignment) {
    }

    /**
     * IOMMU_IOAS_IOVA_RANGES, asking for up to {@code capacity} ranges. If the IOAS has more, the
     * call fails with EMSGSIZE and the exception's error data holds the struct with the total
     * count (an {@link IommuIoasIovaRanges}).
     */
    public IovaRanges iovaRanges(int ioas, int capacity) {
        try (UserBuffer array = scratch((long) capacity * RANGE_SIZE)) {
            IommuIoasIovaRanges out = ioctl(IOMMU_IOAS_IOVA_RANGES,
                    new IommuIoasIovaRanges(sizeOf(IommuIoasIovaRanges.class), ioas, capacity, 0, array.address(), 0));
            int n = Math.min(out.numIovas(), capacity);
            byte[] raw = n == 0 ? new byte[0] : array.read(0, n * RANGE_SIZE);
            return new IovaRanges(Uapi.decodeArray(IommuIovaRange.class, raw, n), out.outIovaAlignment());
        }
    }

    /** IOMMU_IOAS_IOVA_RANGES, asking first for the count and then for all ranges. */
    public IovaRanges iovaRanges(int ioas) {
        IommuIoasIovaRanges probe = ioctlTolerating(IOMMU_IOAS_IOVA_RANGES,
                new IommuIoasIovaRanges(sizeOf(IommuIoasIovaRanges.class), ioas, 0, 0, 0, 0), Errno.EMSGSIZE);
        return iovaRanges(ioas, probe.numIovas());
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: replaces the IOAS's allowed list (empty clears it). */
    public void allowIovas(int ioas, List<IommuIovaRange> ranges) {
        try (UserBuffer array = scratch((long) ranges.size() * RANGE_SIZE)) {
            if (!ranges.isEmpty()) {
                array.write(0, Uapi.encodeArray(ranges));
            }
            ioctl(IOMMU_IOAS_ALLOW_IOVAS, new IommuIoasAllowIovas(sizeOf(IommuIoasAllowIovas.class), ioas,
                    ranges.size(), 0, array.address()));
        }
    }

    /** IOMMU_OPTION GET; the value. */
    public long optionGet(int optionId, int objectId) {
        return ioctl(IOMMU_OPTION, option(optionId, OPTION_OP_GET, objectId, 0)).val64();
    }

    /** IOMMU_OPTION SET. */
    public void optionSet(int optionId, int objectId, long value) {
        ioctl(IOMMU_OPTION, option(optionId, OPTION_OP_SET, objectId, value));
    }

    private static IommuOption option(int optionId, int op, int objectId, long value) {
        return new IommuOption(sizeOf(IommuOption.class), optionId, (short) op, (short) 0, objectId, value);
    }

    /** IOMMU_VFIO_IOAS GET: the IOAS the VFIO compat container uses. */
    public int vfioIoasGet() {
        return ioctl(IOMMU_VFIO_IOAS, vfioIoas(0, VFIO_IOAS_GET)).ioasId();
    }

    public void vfioIoasSet(int ioas) {
        ioctl(IOMMU_VFIO_IOAS, vfioIoas(ioas, VFIO_IOAS_SET));
    }

    public void vfioIoasClear() {
        ioctl(IOMMU_VFIO_IOAS, vfioIoas(0, VFIO_IOAS_CLEAR));
    }

    private static IommuVfioIoas vfioIoas(int ioas, int op) {
        return new IommuVfioIoas(sizeOf(IommuVfioIoas.class), ioas, (short) op, (short) 0);
    }

    /** IOMMU_HWPT_ALLOC of a paging HWPT for {@code devId} on {@code ptId} (an IOAS); the HWPT id. */
    public int hwptAlloc(int devId, int ptId, int flags) {
        return ioctl(IOMMU_HWPT_ALLOC, hwptAlloc(flags, devId, ptId, HWPT_DATA_NONE, 0, 0)).outHwptId();
    }

    /** IOMMU_HWPT_ALLOC with driver data (nested stage-1 etc.), staged in user memory; the HWPT id. */
    public int hwptAlloc(int devId, int ptId, int flags, int dataType, byte[] data) {
        try (UserBuffer staged = scratch(data.length)) {
            staged.write(0, data);
            return ioctl(IOMMU_HWPT_ALLOC, hwptAlloc(flags, devId, ptId, dataType, data.length, staged.address()))
                    .outHwptId();
        }
    }

    private static IommuHwptAlloc hwptAlloc(int flags, int devId, int ptId, int dataType, int dataLen, long dataUptr) {
        return new IommuHwptAlloc(sizeOf(IommuHwptAlloc.class), flags, devId, ptId, 0, 0, dataType, dataLen, dataUptr,
                0, 0);
    }

    /** IOMMU_GET_HW_INFO's struct and the driver-specific data it reported. */
    public record HwInfo(IommuHwInfo info, byte[] data) {
    }

    /** IOMMU_GET_HW_INFO for {@code devId}, with room for {@code dataCapacity} bytes of driver data. */
    public HwInfo hwInfo(int devId, int dataCapacity) {
        try (UserBuffer data = scratch(dataCapacity)) {
            IommuHwInfo info = ioctl(IOMMU_GET_HW_INFO, new IommuHwInfo(sizeOf(IommuHwInfo.class), 0, devId,
                    dataCapacity, data.address(), 0, (byte) 0, new byte[3], 0));
            int n = Math.min(info.dataLen(), dataCapacity);
            return new HwInfo(info, n == 0 ? new byte[0] : data.read(0, n));
        }
    }

    /** IOMMU_HWPT_SET_DIRTY_TRACKING on or off. */
    public void setDirtyTracking(int hwptId, boolean enable) {
        ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING,
                new IommuHwptSetDirtyTracking(sizeOf(IommuHwptSetDirtyTracking.class),
                        enable ? HWPT_DIRTY_TRACKING_ENABLE : 0, hwptId, 0));
    }

    /** IOMMU_HWPT_GET_DIRTY_BITMAP of {@code [iova, iova+length)}; one bit per {@code pageSize} page. */
    public byte[] dirtyBitmap(int hwptId, long iova, long length, long pageSize, int flags) {
        long pages = length / pageSize;
        int bytes = (int) (((pages + 63) / 64) * 8);
        try (UserBuffer bitmap = scratch(bytes)) {
            ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP,
                    new IommuHwptGetDirtyBitmap(sizeOf(IommuHwptGetDirtyBitmap.class), hwptId, flags, 0, iova,
                            length, pageSize, bitmap.address()));
            return bitmap.read(0, bytes);
        }
    }

    /** A page-rounded, read-write scratch mapping of at least {@code bytes} (one page minimum). */
    private UserBuffer scratch(long bytes) {
        long len = Math.max(VplatClient.PAGE_SIZE, (bytes + VplatClient.PAGE_SIZE - 1) & -VplatClient.PAGE_SIZE);
        return client.mmap(len);
    }

    /** Runs an ioctl, returning the struct also when it fails with {@code tolerated} (the call copied it back). */
    private <R extends Record> R ioctlTolerating(int request, R arg, Errno tolerated) {
        try {
            return ioctl(request, arg);
        } catch (VplatException e) {
            if (!e.is(tolerated)) {
                throw e;
            }
            return decodeReply(arg, e.errorData(), sizeOf(arg.getClass()));
        }
    }
}
