package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.kernel.UserMemory;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaMap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1DmaUnmap;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1Info;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1InfoCapIovaRange;
import dev.vplat.vfio.uapi.VfioStructs.VfioIommuType1InfoDmaAvail;
import dev.vplat.vfio.uapi.VfioStructs.VfioIovaRange;

import java.util.List;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * The VFIO type1 container ioctls served on an iommufd (drivers/iommu/iommufd/vfio_compat.c):
 * what a legacy container becomes when iommufd provides it. Everything works on the context's
 * compatibility IOAS (ENODEV without one). TYPE1 differs from TYPE1v2 only in that SET_IOMMU
 * TYPE1 disables large pages, which lets UNMAP_DMA cut areas at both ends of the range so that a
 * partial unmap succeeds; under TYPE1v2 an area sticking out of the range is ENOENT. Unmapping
 * an empty range succeeds with size 0 (upstream afb47765f923, Nov 2025). Maps always use the
 * mm-based memlock accounting, as the kernel does for legacy users.
 */
public final class VfioCompatIoctls implements Iommufd.VfioCompat {
    private static final int INFO_MINSZ = Uapi.offsetOfEnd(VfioIommuType1Info.class, "iovaPgsizes");
    private static final int INFO_SIZE = Uapi.sizeOf(VfioIommuType1Info.class);
    private static final int MAP_MINSZ = Uapi.offsetOfEnd(VfioIommuType1DmaMap.class, "size");
    private static final int UNMAP_MINSZ = Uapi.offsetOfEnd(VfioIommuType1DmaUnmap.class, "size");
    private static final int RANGE_SIZE = Uapi.sizeOf(VfioIovaRange.class);
    private static final int IOVA_CAP_SIZE = Uapi.sizeOf(VfioIommuType1InfoCapIovaRange.class);
    /** U32_MAX: iommufd's limit follows the memory cgroup, not vfio's dma_entry_limit. */
    private static final int DMA_AVAIL = -1;

    @Override
    public long ioctl(IommufdContext ctx, Process process, int request, long arg) {
        if (request == VfioIoctl.GET_API_VERSION) {
            return VfioIoctl.API_VERSION;
        }
        if (request == VfioIoctl.SET_IOMMU) {
            return setIommu(ctx, arg);
        }
        if (request == VfioIoctl.CHECK_EXTENSION) {
            return checkExtension(ctx, arg);
        }
        if (request == VfioIoctl.IOMMU_GET_INFO) {
            return getInfo(ctx, process.memory(), arg);
        }
        if (request == VfioIoctl.IOMMU_MAP_DMA) {
            return mapDma(ctx, process, arg);
        }
        if (request == VfioIoctl.IOMMU_UNMAP_DMA) {
            return unmapDma(ctx, process.memory(), arg);
        }
        throw fail(Errno.ENOTTY, "iommufd: inappropriate ioctl 0x" + Integer.toHexString(request));
    }

    private static Ioas compatIoas(IommufdContext ctx) {
        Ioas ioas = ctx.compatIoas();
        if (ioas == null) {
            throw fail(Errno.ENODEV, "no VFIO compatibility IOAS (no group was added to this container)");
        }
        return ioas;
    }

    /** iommufd_vfio_set_iommu: TYPE1 or TYPE1v2 only; TYPE1 turns large pages off. */
    private static long setIommu(IommufdContext ctx, long type) {
        if (type != VfioIoctl.TYPE1_IOMMU && type != VfioIoctl.TYPE1V2_IOMMU) {
            throw fail(Errno.EINVAL, "iommufd serves VFIO type " + type + " not (TYPE1 or TYPE1v2 only)");
        }
        Ioas ioas = compatIoas(ctx);
        if (type == VfioIoctl.TYPE1_IOMMU) {
            ioas.iopt().setLargePages(false);
        }
        return 0;
    }

    /** Whether {@link #setIommu} would accept {@code type}: what a container checks before its own state changes. */
    public static boolean servesType(long type) {
        return type == VfioIoctl.TYPE1_IOMMU || type == VfioIoctl.TYPE1V2_IOMMU;
    }

    /** iommufd_vfio_check_extension. */
    private static long checkExtension(IommufdContext ctx, long type) {
        if (type == VfioIoctl.TYPE1_IOMMU || type == VfioIoctl.TYPE1V2_IOMMU || type == VfioIoctl.UNMAP_ALL) {
            return 1;
        }
        if (type == VfioIoctl.DMA_CC_IOMMU) {
            // Every host IOMMU here snoops (iommufd refuses to bind a device without coherency).
            compatIoas(ctx);
            return 1;
        }
        // NOIOMMU (CONFIG_VFIO_NOIOMMU off), nesting, UPDATE_VADDR and unknown ids.
        return 0;
    }

    /**
     * iommufd_get_pagesizes: the page sizes every domain of the IOAS supports, never below
     * PAGE_SIZE; only PAGE_SIZE once TYPE1 disabled large pages.
     */
    private static long pageSizes(Ioas ioas) {
        if (ioas.iopt().largePagesDisabled()) {
            return IoPages.PAGE_SIZE;
        }
        long bits = -IoPages.PAGE_SIZE;
        for (PagingDomain d : ioas.iopt().domains()) {
            bits &= d.pageSizeBitmap();
        }
        return bits == 0 ? IoPages.PAGE_SIZE : bits;
    }

    /**
     * iommufd_vfio_iommu_get_info: flags PGSIZES|CAPS and a chain of DMA_AVAIL then IOVA_RANGE
     * after the struct. Capabilities are written only as far as argsz reaches; argsz comes back
     * as the size all of them need and cap_offset stays 0 unless they all fit.
     */
    private static long getInfo(IommufdContext ctx, UserMemory mem, long arg) {
        VfioIommuType1Info info = Uapi.decode(VfioIommuType1Info.class, mem.read(arg, INFO_MINSZ));
        long argsz = Integer.toUnsignedLong(info.argsz());
        if (argsz < INFO_MINSZ) {
            throw fail(Errno.EINVAL, "argsz " + argsz + " below " + INFO_MINSZ);
        }
        Ioas ioas = compatIoas(ctx);
        List<IntervalSet.Span> holes = ioas.iopt().iovaRanges();
        long total = INFO_SIZE;
        long availCap = total;
        int availSize = Uapi.sizeOf(VfioIommuType1InfoDmaAvail.class);
        if (argsz >= availCap + availSize) {
            mem.write(arg + availCap, Uapi.encode(new VfioIommuType1InfoDmaAvail(
                    (short) VfioIoctl.IOMMU_TYPE1_INFO_DMA_AVAIL, (short) 1, 0, DMA_AVAIL)));
        }
        total += align8(availSize);
        long iovaCap = total;
        if (argsz >= iovaCap) {
            mem.write(arg + availCap + 4, le32((int) iovaCap));
        }
        long room = argsz - iovaCap;
        for (int i = 0; i < holes.size(); i++) {
            if (room >= IOVA_CAP_SIZE + (long) (i + 1) * RANGE_SIZE) {
                mem.write(arg + iovaCap + IOVA_CAP_SIZE + (long) i * RANGE_SIZE,
                        Uapi.encode(new VfioIovaRange(holes.get(i).start(), holes.get(i).last())));
            }
        }
        long iovaSize = IOVA_CAP_SIZE + (long) holes.size() * RANGE_SIZE;
        if (room >= iovaSize) {
            mem.write(arg + iovaCap, Uapi.encode(new VfioIommuType1InfoCapIovaRange(
                    (short) VfioIoctl.IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, (short) 1, 0, holes.size(), 0)));
        }
        total += align8(iovaSize);
        int capOffset = argsz >= total ? INFO_SIZE : 0;
        VfioIommuType1Info out = new VfioIommuType1Info((int) total,
                VfioIoctl.IOMMU_INFO_PGSIZES | VfioIoctl.IOMMU_INFO_CAPS, pageSizes(ioas), capOffset, 0);
        mem.write(arg, Uapi.encode(out), 0, (int) Math.min(argsz, INFO_SIZE));
        return 0;
    }

    /** iommufd_vfio_map_dma: always at the given IOVA; no READ/WRITE check (a mapping without either is accepted). */
    private static long mapDma(IommufdContext ctx, Process process, long arg) {
        VfioIommuType1DmaMap map = Uapi.decode(VfioIommuType1DmaMap.class, process.memory().read(arg, MAP_MINSZ));
        if (Integer.toUnsignedLong(map.argsz()) < MAP_MINSZ
                || (map.flags() & ~(VfioIoctl.DMA_MAP_FLAG_READ | VfioIoctl.DMA_MAP_FLAG_WRITE)) != 0) {
            throw fail(Errno.EINVAL, "MAP_DMA: argsz below " + MAP_MINSZ + " or unsupported flags");
        }
        int prot = ((map.flags() & VfioIoctl.DMA_MAP_FLAG_READ) != 0 ? PagingDomain.PROT_READ : 0)
                | ((map.flags() & VfioIoctl.DMA_MAP_FLAG_WRITE) != 0 ? PagingDomain.PROT_WRITE : 0);
        Ioas ioas = compatIoas(ctx);
        if (U64.addOverflows(map.vaddr(), map.size())) {
            throw fail(Errno.EOVERFLOW, "vaddr + size wraps");
        }
        if (map.size() == 0 || U64.lt(U64.MAX - IoPages.PAGE_SIZE, map.size())) {
            throw fail(Errno.EINVAL, "size is 0 or too large");
        }
        long startByte = map.vaddr() % IoPages.PAGE_SIZE;
        IoPages pages = new IoPages(process, map.vaddr() - startByte,
                (map.flags() & VfioIoctl.DMA_MAP_FLAG_WRITE) != 0, AccountMode.MM);
        ioas.iopt().map(List.of(new IoPagetable.Slice(pages, startByte, map.size())), map.size(), map.iova(), false,
                prot);
        return 0;
    }

    /** iommufd_vfio_unmap_dma: UNMAP_FLAG_ALL only (GET_DIRTY_BITMAP and VADDR are EINVAL); size out = bytes removed. */
    private static long unmapDma(IommufdContext ctx, UserMemory mem, long arg) {
        VfioIommuType1DmaUnmap unmap = Uapi.decode(VfioIommuType1DmaUnmap.class, mem.read(arg, UNMAP_MINSZ));
        if (Integer.toUnsignedLong(unmap.argsz()) < UNMAP_MINSZ || (unmap.flags() & ~VfioIoctl.DMA_UNMAP_FLAG_ALL) != 0) {
            throw fail(Errno.EINVAL, "UNMAP_DMA: argsz below " + UNMAP_MINSZ + " or unsupported flags");
        }
        Ioas ioas = compatIoas(ctx);
        IoPagetable iopt = ioas.iopt();
        if ((unmap.flags() & VfioIoctl.DMA_UNMAP_FLAG_ALL) != 0) {
            if (unmap.iova() != 0 || unmap.size() != 0) {
                throw fail(Errno.EINVAL, "UNMAP_FLAG_ALL needs iova 0 and size 0");
            }
            respondSize(mem, arg, unmap, iopt.unmapAll());
            return 0;
        }
        if (unmap.size() == 0) {
            throw fail(Errno.EINVAL, "zero size");
        }
        if (U64.addOverflows(unmap.iova(), unmap.size() - 1)) {
            throw fail(Errno.EOVERFLOW, "IOVA range wraps");
        }
        long last = unmap.iova() + unmap.size() - 1;
        if (iopt.largePagesDisabled()) {
            iopt.cut(last);
            if (unmap.iova() != 0) {
                iopt.cut(unmap.iova() - 1);
            }
        }
        long unmapped;
        try {
            unmapped = iopt.unmap(unmap.iova(), last);
        } catch (IoPagetable.PartialUnmap e) {
            respondSize(mem, arg, unmap, e.unmapped);
            throw e;
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            unmapped = 0;
        }
        respondSize(mem, arg, unmap, unmapped);
        return 0;
    }

    private static void respondSize(UserMemory mem, long arg, VfioIommuType1DmaUnmap unmap, long size) {
        mem.write(arg, Uapi.encode(new VfioIommuType1DmaUnmap(unmap.argsz(), unmap.flags(), unmap.iova(), size)));
    }

    private static long align8(long v) {
        return (v + 7) & -8L;
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
