package dev.vplat.vfio.iommufd;

import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciFunction;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.DmaOwnership;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.testing.TestMachine;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfo;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwInfoVtd;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** iommufd binding devices of the IOMMU core through the adapter: ownership and errnos as Linux gives them. */
class IommuCoreDeviceOpsTest {
    private final TestMachine m = new TestMachine();
    private HostStack stack;
    private IommufdFixture io;

    private void boot() {
        m.realize();
        stack = HostStack.boot(m.kernel, m.pci);
        io = IommufdFixture.on(m.kernel);
    }

    private IommuCoreDeviceOps ops(String id) {
        return new IommuCoreDeviceOps(stack.iommu().device(m.pci.function(id).requesterId()));
    }

    private void toVfio(String id) {
        String bdf = m.pci.function(id).requesterId().bdf();
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
    }

    private Errno bindErrno(IommuCoreDeviceOps ops) {
        return assertThrows(ErrnoException.class, () -> io.ctx().bindDevice(ops)).errno();
    }

    @Test
    void bindMakesTheContextTheUserOwnerOfTheGroupAndUnbindHandsItBack() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        toVfio("dev");
        IommuCoreDeviceOps ops = ops("dev");
        IommufdDevice idev = io.ctx().bindDevice(ops);
        assertSame(io.ctx(), ops.device().group().owner());
        assertEquals("blocking", ops.device().group().domain().type().wireName());
        idev.unbind();
        assertEquals(DmaOwnership.NONE, ops.device().group().ownership());
        assertEquals("identity", ops.device().group().domain().type().wireName());
    }

    @Test
    void bindWhileTheDevicesDmaApiDriverIsBoundIsEpermAndLeavesNoObject() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        assertEquals(Errno.EPERM, bindErrno(ops("dev")));
        assertEquals(0, io.ctx().objectCount());
    }

    @Test
    void bindOfADeviceThatNoHostIommuTranslatesIsEinval() {
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        toVfio("dev");
        assertEquals(Errno.EINVAL, bindErrno(ops("dev")), "iommufd_device_bind: device_iommu_capable(CACHE_COHERENCY) is false");
        assertEquals(0, io.ctx().objectCount());
    }

    @Test
    void bindBehindAGuestOwnedUnitIsEinvalToo() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "guest", "all", Map.of());
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        toVfio("dev");
        assertEquals(Errno.EINVAL, bindErrno(ops("dev")));
    }

    @Test
    void aSecondContextCannotTakeADeviceTheFirstOwns() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        toVfio("dev");
        io.ctx().bindDevice(ops("dev"));
        IommufdFixture other = IommufdFixture.on(m.kernel);
        assertEquals(Errno.EBUSY, assertThrows(ErrnoException.class, () -> other.ctx().bindDevice(ops("dev"))).errno(),
                "the core refuses a second claim of a claimed device (docs/ownership.md)");
        assertEquals(0, other.ctx().objectCount());
        assertEquals(1, io.counter("dma_owner_claims"));
    }

    @Test
    void devicesBehindDifferentUnitsGetOneAutomaticHwptEach() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "00:03.0", Map.of());
        m.mockIommu("mock0", "00:04.0");
        m.plug("a", "dmatest", "", "03.0");
        m.plug("b", "dmatest", "", "04.0");
        boot();
        toVfio("a");
        toVfio("b");
        IommufdDevice a = io.ctx().bindDevice(ops("a"));
        IommufdDevice b = io.ctx().bindDevice(ops("b"));
        int ioas = io.ioasAlloc();
        int ha = a.attach(ioas);
        int hb = b.attach(ioas);
        assertNotEquals(ha, hb, "the VT-d domain is EINVAL for the mock device, so iommufd makes another");
        assertEquals("intel-iommu", a.hwpt().domain().driverName());
        assertEquals("mock", b.hwpt().domain().driverName());
        assertEquals(2, io.ctx().ioas(ioas).iopt().domains().size());
    }

    @Test
    void getHwInfoReportsTheVtdRegistersThroughTheAdapter() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        toVfio("dev");
        IommufdDevice idev = io.ctx().bindDevice(ops("dev"));
        long data = io.buffer(4096);
        IommuHwInfo out = io.call(IommufdIoctl.IOMMU_GET_HW_INFO,
                new IommuHwInfo(40, 0, idev.id(), 24, data, 0, (byte) 0, new byte[3], 0));
        assertEquals(IommufdIoctl.HW_INFO_TYPE_INTEL_VTD, out.dataType());
        assertEquals(24, out.dataLen());
        assertEquals(0, out.outCapabilities(), "legacy-mode VT-d tracks no dirty pages");
        VtdConfig config = ((VtdUnit) m.machine.component("dmar0")).config();
        assertEquals(new IommuHwInfoVtd(0, 0, config.capability(), config.extendedCapability()),
                Uapi.decode(IommuHwInfoVtd.class, io.proc.memory().read(data, 24)));
    }

    @Test
    void dirtyTrackingAndNestParentHwptsOnVtdAreEopnotsupp() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        m.plug("dev", "dmatest", "", "03.0");
        boot();
        toVfio("dev");
        IommufdDevice idev = io.ctx().bindDevice(ops("dev"));
        int ioas = io.ioasAlloc();
        assertEquals(Errno.EOPNOTSUPP, io.errno(IommufdIoctl.IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(48, IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING,
                        idev.id(), ioas, 0, 0, 0, 0, 0, 0, 0)), "no IOMMU_CAP_DIRTY_TRACKING: refused before the driver is asked");
        assertEquals(Errno.EOPNOTSUPP, io.errno(IommufdIoctl.IOMMU_HWPT_ALLOC,
                new IommuHwptAlloc(48, IommufdIoctl.HWPT_ALLOC_NEST_PARENT,
                        idev.id(), ioas, 0, 0, 0, 0, 0, 0, 0)), "the driver's answer passes through");
    }

    @Test
    void theVtdReservedMsiWindowIsReservedInTheIoasAtAttach() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        PciFunction f = m.plugDmaTest("dev", "03.0", 0xFE00_0000L);
        boot();
        toVfio("dev");
        IommuDevice dev = stack.iommu().device(f.requesterId());
        IommufdDevice idev = io.ctx().bindDevice(new IommuCoreDeviceOps(dev));
        int ioas = io.ioasAlloc();
        idev.attach(ioas);
        assertEquals(Errno.EINVAL, io.errno(IommufdIoctl.IOMMU_IOAS_MAP,
                IommufdFixture.mapCmd(ioas, IommufdFixture.FIXED_RW, io.buffer(4096), 4096, 0xFEE0_0000L)),
                "IOMMU_RESV_MSI of the x86 interrupt window");
    }
}
