package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.IommuDestroy;
import dev.vplat.guest.client.uapi.IommuHwInfo;
import dev.vplat.guest.client.uapi.IommuHwptAlloc;
import dev.vplat.guest.client.uapi.IommuHwptGetDirtyBitmap;
import dev.vplat.guest.client.uapi.IommuHwptSetDirtyTracking;
import dev.vplat.guest.client.uapi.IommuIoasAlloc;
import dev.vplat.guest.client.uapi.IommuIoasAllowIovas;
import dev.vplat.guest.client.uapi.IommuIoasCopy;
import dev.vplat.guest.client.uapi.IommuIoasIovaRanges;
import dev.vplat.guest.client.uapi.IommuIoasMap;
import dev.vplat.guest.client.uapi.IommuIoasUnmap;
import dev.vplat.guest.client.uapi.IommuIovaRange;
import dev.vplat.guest.client.uapi.IommuOption;
import dev.vplat.guest.client.uapi.IommuVfioIoas;
import dev.vplat.guest.client.uapi.UapiStruct;
import dev.vplat.vfio.kernel.Errno;

import java.util.List;

import static dev.vplat.guest.client.uapi.IommufdIoctl.*;

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
 *         IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE, 0);
 * }</pre>
 */
public final class Iommufd extends FileHandle {
    /** ~0: with iova 0, the "unmap everything" length of IOMMU_IOAS_UNMAP. */
    public static final long UNMAP_ALL_LENGTH = -1L;

    Iommufd(VplatClient client, int fd) {
        super(client, fd);
    }

    /** IOMMU_IOAS_ALLOC; the new IOAS id. */
    public int ioasAlloc() {
        return IommuIoasAlloc.decode(ioctl(IOMMU_IOAS_ALLOC, new IommuIoasAlloc(0, 0))).outIoasId();
    }

    /** IOMMU_DESTROY of any object (IOAS, HWPT, …). */
    public void destroy(int id) {
        ioctl(IOMMU_DESTROY, new IommuDestroy(id));
    }

    /**
     * IOMMU_IOAS_MAP of {@code length} bytes of user memory at {@code userVa}; the IOVA used
     * ({@code iova} itself with FIXED_IOVA in {@code flags}, else the one the kernel chose).
     */
    public long map(int ioas, long userVa, long length, int flags, long iova) {
        return IommuIoasMap.decode(ioctl(IOMMU_IOAS_MAP, new IommuIoasMap(flags, ioas, userVa, length, iova))).iova();
    }

    /** Maps a whole buffer read-write at an IOVA the kernel chooses. */
    public long map(int ioas, UserBuffer buffer) {
        return map(ioas, buffer.address(), buffer.length(), IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE, 0);
    }

    /** Maps a whole buffer read-write at a fixed IOVA. */
    public void mapFixed(int ioas, UserBuffer buffer, long iova) {
        map(ioas, buffer.address(), buffer.length(),
                IommuIoasMap.FIXED_IOVA | IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE, iova);
    }

    /** IOMMU_IOAS_UNMAP; the bytes unmapped. */
    public long unmap(int ioas, long iova, long length) {
        return IommuIoasUnmap.decode(ioctl(IOMMU_IOAS_UNMAP, new IommuIoasUnmap(ioas, iova, length))).length();
    }

    /** IOMMU_IOAS_UNMAP of everything in the IOAS; the bytes unmapped. */
    public long unmapAll(int ioas) {
        return unmap(ioas, 0, UNMAP_ALL_LENGTH);
    }

    /** IOMMU_IOAS_COPY; the destination IOVA. */
    public long copy(int dstIoas, int srcIoas, long srcIova, long length, int flags, long dstIova) {
        return IommuIoasCopy.decode(ioctl(IOMMU_IOAS_COPY,
                new IommuIoasCopy(flags, dstIoas, srcIoas, length, dstIova, srcIova))).dstIova();
    }

    /** The result of IOMMU_IOAS_IOVA_RANGES: the usable ranges and the IOAS's IOVA alignment. */
    public record IovaRanges(List<IommuIovaRange> ranges, long alignment) {
    }

    /**
     * IOMMU_IOAS_IOVA_RANGES, asking for up to {@code capacity} ranges. If the IOAS has more, the
     * call fails with EMSGSIZE and the exception's error data holds the struct with the total
     * count (see {@link IommuIoasIovaRanges#decode}).
     */
    public IovaRanges iovaRanges(int ioas, int capacity) {
        try (UserBuffer array = scratch((long) capacity * IommuIovaRange.SIZE)) {
            IommuIoasIovaRanges out = IommuIoasIovaRanges.decode(ioctl(IOMMU_IOAS_IOVA_RANGES,
                    new IommuIoasIovaRanges(ioas, capacity, array.address(), 0)));
            int n = Math.min(out.numIovas(), capacity);
            byte[] raw = n == 0 ? new byte[0] : array.read(0, n * IommuIovaRange.SIZE);
            return new IovaRanges(IommuIovaRange.decodeAll(raw, n), out.outIovaAlignment());
        }
    }

    /** IOMMU_IOAS_IOVA_RANGES, asking first for the count and then for all ranges. */
    public IovaRanges iovaRanges(int ioas) {
        IommuIoasIovaRanges probe = IommuIoasIovaRanges.decode(ioctlTolerating(IOMMU_IOAS_IOVA_RANGES,
                new IommuIoasIovaRanges(ioas, 0, 0, 0), Errno.EMSGSIZE));
        return iovaRanges(ioas, probe.numIovas());
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: replaces the IOAS's allowed list (empty clears it). */
    public void allowIovas(int ioas, List<IommuIovaRange> ranges) {
        try (UserBuffer array = scratch((long) ranges.size() * IommuIovaRange.SIZE)) {
            if (!ranges.isEmpty()) {
                array.write(0, IommuIovaRange.encodeAll(ranges));
            }
            ioctl(IOMMU_IOAS_ALLOW_IOVAS, new IommuIoasAllowIovas(ioas, ranges.size(), array.address()));
        }
    }

    /** IOMMU_OPTION GET; the value. */
    public long optionGet(int optionId, int objectId) {
        return IommuOption.decode(ioctl(IOMMU_OPTION,
                new IommuOption(optionId, IommuOption.OP_GET, objectId, 0))).val64();
    }

    /** IOMMU_OPTION SET. */
    public void optionSet(int optionId, int objectId, long value) {
        ioctl(IOMMU_OPTION, new IommuOption(optionId, IommuOption.OP_SET, objectId, value));
    }

    /** IOMMU_VFIO_IOAS GET: the IOAS the VFIO compat container uses. */
    public int vfioIoasGet() {
        return IommuVfioIoas.decode(ioctl(IOMMU_VFIO_IOAS, new IommuVfioIoas(0, IommuVfioIoas.GET))).ioasId();
    }

    public void vfioIoasSet(int ioas) {
        ioctl(IOMMU_VFIO_IOAS, new IommuVfioIoas(ioas, IommuVfioIoas.SET));
    }

    public void vfioIoasClear() {
        ioctl(IOMMU_VFIO_IOAS, new IommuVfioIoas(0, IommuVfioIoas.CLEAR));
    }

    /** IOMMU_HWPT_ALLOC of a paging HWPT for {@code devId} on {@code ptId} (an IOAS); the HWPT id. */
    public int hwptAlloc(int devId, int ptId, int flags) {
        return IommuHwptAlloc.decode(ioctl(IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(flags, devId, ptId, 0, IommuHwptAlloc.DATA_NONE, 0, 0, 0))).outHwptId();
    }

    /** IOMMU_HWPT_ALLOC with driver data (nested stage-1 etc.), staged in user memory; the HWPT id. */
    public int hwptAlloc(int devId, int ptId, int flags, int dataType, byte[] data) {
        try (UserBuffer staged = scratch(data.length)) {
            staged.write(0, data);
            return IommuHwptAlloc.decode(ioctl(IOMMU_HWPT_ALLOC, new IommuHwptAlloc(flags, devId, ptId, 0,
                    dataType, data.length, staged.address(), 0))).outHwptId();
        }
    }

    /** IOMMU_GET_HW_INFO's struct and the driver-specific data it reported. */
    public record HwInfo(IommuHwInfo info, byte[] data) {
    }

    /** IOMMU_GET_HW_INFO for {@code devId}, with room for {@code dataCapacity} bytes of driver data. */
    public HwInfo hwInfo(int devId, int dataCapacity) {
        try (UserBuffer data = scratch(dataCapacity)) {
            IommuHwInfo info = IommuHwInfo.decode(ioctl(IOMMU_GET_HW_INFO,
                    new IommuHwInfo(0, devId, dataCapacity, data.address(), 0, 0, 0)));
            int n = Math.min(info.dataLen(), dataCapacity);
            return new HwInfo(info, n == 0 ? new byte[0] : data.read(0, n));
        }
    }

    /** IOMMU_HWPT_SET_DIRTY_TRACKING on or off. */
    public void setDirtyTracking(int hwptId, boolean enable) {
        ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING,
                new IommuHwptSetDirtyTracking(enable ? IommuHwptSetDirtyTracking.ENABLE : 0, hwptId));
    }

    /** IOMMU_HWPT_GET_DIRTY_BITMAP of {@code [iova, iova+length)}; one bit per {@code pageSize} page. */
    public byte[] dirtyBitmap(int hwptId, long iova, long length, long pageSize, int flags) {
        long pages = length / pageSize;
        int bytes = (int) (((pages + 63) / 64) * 8);
        try (UserBuffer bitmap = scratch(bytes)) {
            ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP,
                    new IommuHwptGetDirtyBitmap(hwptId, flags, iova, length, pageSize, bitmap.address()));
            return bitmap.read(0, bytes);
        }
    }

    /** A page-rounded, read-write scratch mapping of at least {@code bytes} (one page minimum). */
    private UserBuffer scratch(long bytes) {
        long len = Math.max(VplatClient.PAGE_SIZE, (bytes + VplatClient.PAGE_SIZE - 1) & -VplatClient.PAGE_SIZE);
        return client.mmap(len);
    }

    /** Runs an ioctl, returning the struct also when it fails with {@code tolerated} (the call copied it back). */
    private byte[] ioctlTolerating(int request, UapiStruct arg, Errno tolerated) {
        try {
            return ioctl(request, arg);
        } catch (VplatException e) {
            if (!e.is(tolerated)) {
                throw e;
            }
            return e.errorData();
        }
    }
}
