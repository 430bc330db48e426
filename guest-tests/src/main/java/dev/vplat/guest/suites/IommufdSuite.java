package dev.vplat.guest.suites;

import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.guest.drivers.DmaTestDriver.Result;
import dev.vplat.guest.drivers.VfioUserDriver;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.vplat.guest.suites.HostRig.*;
import static dev.vplat.vfio.uapi.IommufdIoctl.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 5 (part 1): iommufd semantics (Linux 6.18 drivers/iommu/iommufd) on a VT-d paging domain
 * programmed by the host driver, driven by the DPDK-style {@link VfioUserDriver} against the DMA
 * test device at 01:00.0: map → DMA lands in process memory, unmap → DMA faults, copy between
 * IOASes, IOVA ranges without the interrupt window, allow lists, options, MSI-X on an eventfd.
 */
@GuestSuite
@DisplayName("5 iommufd on VT-d")
public class IommufdSuite {
    private static final int EINVAL = 22, ENOENT = 2, EPERM = 1;

    @Test
    void dmaThroughAMappedBufferLandsInProcessMemory(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        try (VfioUserDriver drv = rig.userDriver("dpdk", DMATEST0)) {
            VplatClient user = drv.device().client();
            UserBuffer buf = user.mmap(2 * 4096);
            byte[] data = GuestRig.pattern(4096, 11);
            buf.write(0, data);
            long iova = drv.mapDma(buf);
            drv.enableBusMaster();

            assertEquals(Result.DONE, copyThroughVfio(drv, iova, iova + 4096, 4096));
            assertArrayEquals(data, buf.read(4096, 4096));
        }
    }

    @Test
    void afterUnmapTheDeviceFaultsInsteadOfReachingMemory(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        try (VfioUserDriver drv = rig.userDriver("unmapper", DMATEST0)) {
            UserBuffer buf = drv.device().client().mmap(2 * 4096);
            long iova = drv.mapDma(buf);
            drv.enableBusMaster();
            drv.unmapDma(iova);

            Result r = copyThroughVfio(drv, iova, iova + 4096, 64);
            assertTrue(r == Result.TRANSLATION_FAULT || r == Result.PERMISSION_FAULT, "aborted, not " + r);
        }
    }

    @Test
    void msixVector0IsDeliveredToItsEventfd(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        try (VfioUserDriver drv = rig.userDriver("irq", DMATEST0)) {
            UserBuffer buf = drv.device().client().mmap(2 * 4096);
            long iova = drv.mapDma(buf);
            drv.enableBusMaster();
            drv.enableMsix(1);

            assertEquals(Result.DONE, copyThroughVfio(drv, iova, iova + 4096, 16));
            assertEquals(1, drv.awaitInterrupt(0, Duration.ofSeconds(10)));
        }
    }

    @Test
    void iovaRangesOfAnAttachedIoasLeaveOutTheInterruptWindow(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        try (VfioUserDriver drv = rig.userDriver("ranges", DMATEST0)) {
            List<IommuIovaRange> ranges = drv.iommufd().iovaRanges(drv.ioas()).ranges();
            assertFalse(ranges.isEmpty());
            for (IommuIovaRange r : ranges) {
                assertTrue(Long.compareUnsigned(r.last(), 0xFEE0_0000L) < 0 || Long.compareUnsigned(r.start(), 0xFEEF_FFFFL) > 0,
                        "range " + r + " overlaps the MSI window (a reserved region of the VT-d driver)");
            }
        }
    }

    @Test
    void aKernelChosenIovaRespectsTheAllowList(SuiteTarget target) {
        VplatClient user = target.user("allow");
        new HostRig(target);
        Iommufd iommufd = user.openIommufd();
        int ioas = iommufd.ioasAlloc();
        iommufd.allowIovas(ioas, List.of(new IommuIovaRange(0x4000_0000L, 0x4FFF_FFFFL)));
        long iova = iommufd.map(ioas, user.mmap(8192));
        assertTrue(iova >= 0x4000_0000L && iova + 8192 - 1 <= 0x4FFF_FFFFL, "IOVA 0x" + Long.toHexString(iova));
    }

    @Test
    void unmapOfARangeThatSplitsAMappingIsEnoent(SuiteTarget target) {
        VplatClient user = target.user("straddle");
        new HostRig(target);
        Iommufd iommufd = user.openIommufd();
        int ioas = iommufd.ioasAlloc();
        iommufd.mapFixed(ioas, user.mmap(4 * 4096), 0x10_0000L);
        VplatException e = assertThrows(VplatException.class, () -> iommufd.unmap(ioas, 0x10_1000L, 4096));
        assertEquals(ENOENT, e.errno(), "iopt_unmap_iova_range: cutting an area is ENOENT");
        assertEquals(4 * 4096, iommufd.unmapAll(ioas));
    }

    @Test
    void copyMakesTheSamePagesVisibleInAnotherIoas(SuiteTarget target) {
        HostRig rig = new HostRig(target);
        try (VfioUserDriver drv = rig.userDriver("copier", DMATEST0)) {
            Iommufd iommufd = drv.iommufd();
            VplatClient user = drv.device().client();
            int other = iommufd.ioasAlloc();
            UserBuffer buf = user.mmap(2 * 4096);
            iommufd.mapFixed(other, buf, 0x20_0000L);
            long copied = iommufd.copy(drv.ioas(), other, 0x20_0000L, 2 * 4096,
                    IOAS_MAP_FIXED_IOVA | IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE, 0x30_0000L);
            assertEquals(0x30_0000L, copied);
            buf.write(0, GuestRig.pattern(128, 12));
            drv.enableBusMaster();

            assertEquals(Result.DONE, copyThroughVfio(drv, 0x30_0000L, 0x30_1000L, 128));
            assertArrayEquals(GuestRig.pattern(128, 12), buf.read(4096, 128));
            iommufd.unmapAll(drv.ioas());
            iommufd.unmapAll(other);
            iommufd.destroy(other);
        }
    }

    @Test
    void anUnprivilegedProcessReadsButCannotSetTheRlimitMode(SuiteTarget target) {
        VplatClient user = target.user("options");
        new HostRig(target);
        Iommufd iommufd = user.openIommufd();
        assertEquals(0, iommufd.optionGet(OPTION_RLIMIT_MODE, 0));
        VplatException e = assertThrows(VplatException.class, () -> iommufd.optionSet(OPTION_RLIMIT_MODE, 0, 1));
        assertEquals(EPERM, e.errno(), "needs CAP_SYS_RESOURCE");
        int ioas = iommufd.ioasAlloc();
        assertEquals(1, iommufd.optionGet(OPTION_HUGE_PAGES, ioas), "huge pages default on");
    }

    @Test
    void aMapWithNeitherReadNorWriteIsEinval(SuiteTarget target) {
        VplatClient user = target.user("flags");
        new HostRig(target);
        Iommufd iommufd = user.openIommufd();
        int ioas = iommufd.ioasAlloc();
        UserBuffer buf = user.mmap(4096);
        VplatException e = assertThrows(VplatException.class, () -> iommufd.map(ioas, buf.address(), 4096, 0, 0));
        assertEquals(EINVAL, e.errno());
    }
}
