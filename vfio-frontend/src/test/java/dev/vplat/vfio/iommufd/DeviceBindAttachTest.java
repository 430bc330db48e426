package dev.vplat.vfio.iommufd;

import dev.vplat.iommu.UnitScope;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.hostiommu.MockHostDriver;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuDestroy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The kernel-internal device API VFIO uses (device.c), with a fake IOMMU core. */
class DeviceBindAttachTest {
    private final IommufdFixture f = IommufdFixture.create();
    private final IommufdContext ctx = f.ctx();
    private final HostIommu unitA = mockUnit("a");
    private final HostIommu unitB = mockUnit("b");

    private static HostIommu mockUnit(String id) {
        return new MockHostDriver(new MockIommu(id, UnitScope.includeAll()), rid -> true, DomainType.BLOCKED, new Trace());
    }

    private FakeDeviceOps device(Object group, HostIommu unit, ReservedRegion... reserved) {
        return new FakeDeviceOps(group, unit, List.of(reserved));
    }

    @Test
    void bindClaimsOwnershipForTheContextAndLeavesDmaBlocked() {
        FakeDeviceOps ops = device(new Object(), unitA);
        IommufdDevice idev = ctx.bindDevice(ops);
        assertSame(ctx, ops.owner);
        assertNull(ops.domain);
        assertEquals(1, idev.id());
        assertEquals(Errno.EBUSY, f.errno(IommufdIoctl.IOMMU_DESTROY, new IommuDestroy(8, idev.id())));
    }

    @Test
    void bindPassesOwnershipConflictsThrough() {
        FakeDeviceOps ops = device(new Object(), unitA);
        ops.kernelDriverBound = true;
        assertEquals(Errno.EPERM, assertThrows(ErrnoException.class, () -> ctx.bindDevice(ops)).errno());
        assertEquals(0, ctx.objectCount());
    }

    @Test
    void attachToAnIoasMakesOneAutomaticHwptPerIommuUnit() {
        int ioas = f.ioasAlloc();
        IommufdDevice a1 = ctx.bindDevice(device(new Object(), unitA));
        IommufdDevice a2 = ctx.bindDevice(device(new Object(), unitA));
        IommufdDevice b1 = ctx.bindDevice(device(new Object(), unitB));
        int h1 = a1.attach(ioas);
        assertEquals(h1, a2.attach(ioas), "compatible device reuses the automatic HWPT");
        assertNotEquals(h1, b1.attach(ioas), "a device of another unit gets its own");
        assertEquals(2, ctx.ioas(ioas).iopt().domains().size());
    }

    @Test
    void devicesOfOneGroupMustShareTheHwpt() {
        int ioas = f.ioasAlloc();
        Object group = new Object();
        IommufdDevice d1 = ctx.bindDevice(device(group, unitA));
        IommufdDevice d2 = ctx.bindDevice(device(group, unitA));
        d1.attach(ioas);
        int manual = HwPagetable.alloc(ctx, ctx.ioas(ioas), d1, 0, false).id();
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> d2.attach(manual)).errno());
        assertEquals(d1.hwpt().id(), d2.attach(ioas));
    }

    @Test
    void secondAttachReplacesAndTheOldAutomaticHwptDies() {
        int ioas1 = f.ioasAlloc();
        int ioas2 = f.ioasAlloc();
        FakeDeviceOps ops = device(new Object(), unitA);
        IommufdDevice d = ctx.bindDevice(ops);
        int h1 = d.attach(ioas1);
        int h2 = d.attach(ioas2);
        assertNotEquals(h1, h2);
        assertSame(d.hwpt().domain(), ops.domain);
        assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> ctx.lookup(h1)).errno());
        assertEquals(h2, d.replace(h2), "replace with the same HWPT is a no-op");
    }

    @Test
    void replaceOfAnUnattachedDeviceIsEinval() {
        int ioas = f.ioasAlloc();
        IommufdDevice d = ctx.bindDevice(device(new Object(), unitA));
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> d.replace(ioas)).errno());
    }

    @Test
    void attachToAMissingOrWrongObjectIsEnoentOrEinval() {
        IommufdDevice d = ctx.bindDevice(device(new Object(), unitA));
        assertEquals(Errno.ENOENT, assertThrows(ErrnoException.class, () -> d.attach(42)).errno());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> d.attach(d.id())).errno());
    }

    @Test
    void reservedRegionOverAMappingIsEaddrinuseAndLeavesNothingAttached() {
        int ioas = f.ioasAlloc();
        f.map(ioas, FIXED_RW, f.buffer(4096), 4096, 0xfee00000L);
        FakeDeviceOps ops = device(new Object(), unitA,
                new ReservedRegion(0xfee00000L, 0xfeefffffL, ReservedRegion.Type.MSI));
        IommufdDevice d = ctx.bindDevice(ops);
        assertEquals(Errno.EADDRINUSE, assertThrows(ErrnoException.class, () -> d.attach(ioas)).errno());
        assertNull(ops.domain);
        assertEquals(2, ctx.objectCount(), "IOAS and device only");
    }

    @Test
    void reservedRegionsLeaveTheIoasWithTheDevice() {
        int ioas = f.ioasAlloc();
        IommufdDevice d = ctx.bindDevice(device(new Object(), unitA,
                new ReservedRegion(0x2000000L, 0x20fffffL, ReservedRegion.Type.SW_MSI)));
        d.attach(ioas);
        assertEquals(2, ctx.ioas(ioas).iopt().iovaRanges().size());
        d.detach();
        assertEquals(1, ctx.ioas(ioas).iopt().iovaRanges().size());
        assertEquals(1, ctx.ioas(ioas).iopt().alignment(), "alignment shrinks back without domains");
    }

    @Test
    void detachBlocksDmaAndUnbindReleasesOwnership() {
        int ioas = f.ioasAlloc();
        FakeDeviceOps ops = device(new Object(), unitA);
        IommufdDevice d = ctx.bindDevice(ops);
        d.attach(ioas);
        d.detach();
        assertNull(ops.domain);
        assertEquals(2, ctx.objectCount(), "IOAS and device; the automatic HWPT is gone");
        d.unbind();
        assertNull(ops.owner);
    }

    @Test
    void boundDeviceKeepsTheContextAliveAfterTheFdCloses() {
        IommufdDevice d = ctx.bindDevice(device(new Object(), unitA));
        f.proc.close(f.fd);
        assertEquals(false, ctx.released());
        d.unbind();
        assertEquals(true, ctx.released());
        assertEquals(0, f.counter("iommufd_objects"));
    }

    @Test
    void attachRaisingAlignmentOverMisalignedAreasIsEaddrinuse() {
        int ioas = f.ioasAlloc();
        f.map(ioas, FIXED_RW, f.buffer(4096), 0x400, 1L << 24);
        IommufdDevice d = ctx.bindDevice(device(new Object(), unitA));
        assertEquals(Errno.EADDRINUSE, assertThrows(ErrnoException.class, () -> d.attach(ioas)).errno());
    }
}
