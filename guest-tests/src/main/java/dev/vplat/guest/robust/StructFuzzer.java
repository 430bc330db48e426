package dev.vplat.guest.robust;

import dev.vplat.vfio.uapi.CArray;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs;
import dev.vplat.vfio.uapi.IommufdTestStructs;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random ioctl argument structs built from the real uAPI records (iommufd.h, vfio.h): every
 * member gets a value chosen by its C type and name — small ids, flag words with random bits,
 * user pointers from the session's own mappings or not, lengths around page and size limits —
 * then the leading {@code size}/{@code argsz} word may be made short, long or absurd, and the
 * bytes may be cut or extended with a zero or non-zero tail (the E2BIG rule).
 */
final class StructFuzzer {
    /** A request code and the struct its argument points to. */
    record Target(int request, Class<? extends Record> struct) { }

    static final List<Target> TARGETS = List.of(
            new Target(IommufdIoctl.IOMMU_DESTROY, IommufdStructs.IommuDestroy.class),
            new Target(IommufdIoctl.IOMMU_IOAS_ALLOC, IommufdStructs.IommuIoasAlloc.class),
            new Target(IommufdIoctl.IOMMU_IOAS_ALLOW_IOVAS, IommufdStructs.IommuIoasAllowIovas.class),
            new Target(IommufdIoctl.IOMMU_IOAS_COPY, IommufdStructs.IommuIoasCopy.class),
            new Target(IommufdIoctl.IOMMU_IOAS_IOVA_RANGES, IommufdStructs.IommuIoasIovaRanges.class),
            new Target(IommufdIoctl.IOMMU_IOAS_MAP, IommufdStructs.IommuIoasMap.class),
            new Target(IommufdIoctl.IOMMU_IOAS_UNMAP, IommufdStructs.IommuIoasUnmap.class),
            new Target(IommufdIoctl.IOMMU_OPTION, IommufdStructs.IommuOption.class),
            new Target(IommufdIoctl.IOMMU_VFIO_IOAS, IommufdStructs.IommuVfioIoas.class),
            new Target(IommufdIoctl.IOMMU_HWPT_ALLOC, IommufdStructs.IommuHwptAlloc.class),
            new Target(IommufdIoctl.IOMMU_GET_HW_INFO, IommufdStructs.IommuHwInfo.class),
            new Target(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, IommufdStructs.IommuHwptSetDirtyTracking.class),
            new Target(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP, IommufdStructs.IommuHwptGetDirtyBitmap.class),
            new Target(IommufdIoctl.IOMMU_TEST_CMD, IommufdTestStructs.IommuTestCmd.class),
            new Target(VfioIoctl.DEVICE_GET_INFO, VfioStructs.VfioDeviceInfo.class),
            new Target(VfioIoctl.DEVICE_GET_REGION_INFO, VfioStructs.VfioRegionInfo.class),
            new Target(VfioIoctl.DEVICE_GET_IRQ_INFO, VfioStructs.VfioIrqInfo.class),
            new Target(VfioIoctl.DEVICE_SET_IRQS, VfioStructs.VfioIrqSet.class),
            new Target(VfioIoctl.DEVICE_BIND_IOMMUFD, VfioStructs.VfioDeviceBindIommufd.class),
            new Target(VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT, VfioStructs.VfioDeviceAttachIommufdPt.class),
            new Target(VfioIoctl.DEVICE_DETACH_IOMMUFD_PT, VfioStructs.VfioDeviceDetachIommufdPt.class),
            new Target(VfioIoctl.IOMMU_GET_INFO, VfioStructs.VfioIommuType1Info.class),
            new Target(VfioIoctl.IOMMU_MAP_DMA, VfioStructs.VfioIommuType1DmaMap.class),
            new Target(VfioIoctl.IOMMU_UNMAP_DMA, VfioStructs.VfioIommuType1DmaUnmap.class),
            new Target(VfioIoctl.GROUP_GET_STATUS, VfioStructs.VfioGroupStatus.class));

    /** Record types a union body ({@code byte[]} member) may carry: the selftest's command bodies. */
    private static final List<Class<? extends Record>> BODIES = List.of(IommufdTestStructs.AddReserved.class,
            IommufdTestStructs.MockDomain.class, IommufdTestStructs.MockDomainFlags.class,
            IommufdTestStructs.MockDomainReplace.class, IommufdTestStructs.CheckMap.class,
            IommufdTestStructs.CheckRefs.class, IommufdTestStructs.CreateAccess.class,
            IommufdTestStructs.AccessPages.class, IommufdTestStructs.AccessRw.class,
            IommufdTestStructs.DestroyAccessPages.class, IommufdTestStructs.Dirty.class,
            IommufdTestStructs.MemoryLimit.class);

    private final Random rnd;
    private final Values values;

    StructFuzzer(Random rnd, Values values) {
        this.rnd = rnd;
        this.values = values;
    }

    /** The bytes of one argument struct for {@code target}. */
    byte[] struct(Target target) {
        byte[] b = Uapi.encode(randomRecord(target.struct()));
        int exact = b.length;
        int size = switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> Math.max(0, exact - 1 - rnd.nextInt(8));
            case 2 -> exact + 8 * (1 + rnd.nextInt(4));
            case 3 -> rnd.nextInt();
            default -> exact;
        };
        putInt(b, 0, size);
        switch (rnd.nextInt(10)) {
            case 0 -> b = Arrays.copyOf(b, rnd.nextInt(exact + 1));
            case 1 -> b = Arrays.copyOf(b, exact + 8 * (1 + rnd.nextInt(4)));
            case 2 -> {
                b = Arrays.copyOf(b, exact + 8);
                b[exact + rnd.nextInt(8)] = (byte) (1 + rnd.nextInt(255));
            }
            default -> { }
        }
        return b;
    }

    private Record randomRecord(Class<? extends Record> type) {
        RecordComponent[] rc = type.getRecordComponents();
        Object[] args = new Object[rc.length];
        Class<?>[] types = new Class<?>[rc.length];
        for (int i = 0; i < rc.length; i++) {
            types[i] = rc[i].getType();
            args[i] = value(rc[i]);
        }
        try {
            Constructor<? extends Record> c = type.getDeclaredConstructor(types);
            return c.newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build a " + type.getSimpleName(), e);
        }
    }

    private Object value(RecordComponent c) {
        String name = c.getName().toLowerCase(java.util.Locale.ROOT);
        Class<?> t = c.getType();
        if (t == byte[].class) {
            int length = c.getAnnotation(CArray.class).length();
            byte[] body = rnd.nextInt(4) == 0 ? values.bytes(rnd.nextInt(length + 1))
                    : Uapi.encode(randomRecord(BODIES.get(rnd.nextInt(BODIES.size()))));
            return Arrays.copyOf(body, Math.min(body.length, length));
        }
        long v;
        if (name.contains("ptr") || name.equals("userva") || name.equals("vaddr") || name.equals("allowediovas")
                || name.equals("data") && t == long.class) {
            v = values.pointer();
        } else if (name.contains("flags")) {
            v = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(4) == 0 ? rnd.nextLong() : 1L << rnd.nextInt(8) | rnd.nextInt(8);
        } else if (name.endsWith("id") || name.equals("index") || name.equals("op") || name.equals("iommufd")
                || name.startsWith("num") || name.equals("count") || name.equals("start")) {
            v = rnd.nextInt(6) == 0 ? rnd.nextInt() : rnd.nextInt(10);
        } else if (name.contains("iova") || name.contains("length") || name.equals("size") && t == long.class
                || name.contains("pagesize") || name.equals("last")) {
            v = values.lengthOrIova();
        } else if (name.startsWith("reserved") || name.equals("pad") || name.equals("last")) {
            v = rnd.nextInt(8) == 0 ? rnd.nextInt() : 0;
        } else {
            v = values.anyLong();
        }
        if (t == byte.class) {
            return (byte) v;
        }
        if (t == short.class) {
            return (short) v;
        }
        if (t == int.class) {
            return (int) v;
        }
        return v;
    }

    static void putInt(byte[] b, int at, int v) {
        if (b.length >= at + 4) {
            for (int i = 0; i < 4; i++) {
                b[at + i] = (byte) (v >>> (8 * i));
            }
        }
    }
}
