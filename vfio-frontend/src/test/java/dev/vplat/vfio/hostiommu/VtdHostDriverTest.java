package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.testing.TestMachine;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host VT-d driver against the register-level VT-d model: the MMIO sequence it issues, and
 * device DMA really blocked, passed through or translated by the tables it writes.
 */
class VtdHostDriverTest {
    private static final long BASE = VtdConfig.DEFAULT_BASE;

    private final TestMachine m = new TestMachine();
    private final Object user = new Object();

    private HostStack boot(Map<String, String> unitProps) {
        m.vtd("dmar0", BASE, "host", "all", unitProps);
        m.plug("dev", "dmatest", "", "03.0");
        m.realize();
        return HostStack.boot(m.kernel, m.pci);
    }

    /** Rebinds the device from its DMA-API driver to vfio-pci and claims it, as iommufd bind does. */
    private IommuDevice claim(HostStack stack, PciFunction f) {
        stack.drivers().unbind(f.requesterId().bdf());
        stack.drivers().bind(f.requesterId().bdf() + " vfio-pci");
        IommuDevice dev = stack.iommu().device(f.requesterId());
        dev.claimDmaOwner(user);
        return dev;
    }

    private DmaResult dmaWrite(String id, long iova, byte[] data) {
        return m.dmaDevice(id).context().dma().write(iova, data, 0, data.length);
    }

    private static void enableBusMaster(PciFunction f) {
        f.configWrite(0x04, 2, f.configRead(0x04, 2) | 0x4);
    }

    private long ram64(long gpa) {
        return m.machine.system().readRam(gpa, 8);
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** Register names of the window offsets the host driver writes. */
    private static String name(int offset) {
        return switch (offset) {
            case 0x18 -> "GCMD";
            case 0x20 -> "RTADDR";
            case 0x34 -> "FSTS";
            case 0x38 -> "FECTL";
            case 0x3c -> "FEDATA";
            case 0x40 -> "FEADDR";
            case 0x44 -> "FEUADDR";
            case 0x88 -> "IQT";
            case 0x90 -> "IQA";
            default -> String.format("0x%x", offset);
        };
    }

    @Test
    void bringUpWritesRegistersInLinuxOrder() {
        List<String> writes = new ArrayList<>();
        m.vtd("dmar0", BASE, "host", "all", Map.of());
        VtdUnit unit = (VtdUnit) m.machine.component("dmar0");
        // A spy window over the unit's registers records every MMIO write the host driver makes.
        MmioOps spy = WriteSpy.over(unit.registers(),
                (offset, value) -> offset == 0x18 ? "GCMD=" + Long.toHexString(value) : name((int) (long) offset), writes);
        m.machine.system().root().add(new MmioRegion("spy", 0x1000, VtdUnit.ACCESS_RULES, spy), BASE, 50);
        m.plug("dev", "dmatest", "", "03.0");
        m.realize();
        HostStack.boot(m.kernel, m.pci);
        // A.15: QI enable (IQT, IQA, GCMD.QIE), SRTP (RTADDR, GCMD.SRTP), global context-cache and
        // IOTLB invalidation (one IQT write each), fault MSI (FEDATA, FEADDR, FEUADDR, FECTL unmask),
        // then the devices' context entries (one batch each), then GCMD.TE with QIE kept.
        int devices = m.pci.functions().size();
        List<String> expected = new ArrayList<>(List.of("IQT", "IQA", "GCMD=4000000", "RTADDR", "GCMD=44000000",
                "IQT", "IQT", "FEDATA", "FEADDR", "FEUADDR", "FECTL"));
        for (int i = 0; i < devices; i++) {
            expected.add("IQT");
        }
        expected.add("GCMD=84000000");
        assertEquals(expected, writes);
    }

    @Test
    void bringUpLeavesTranslationEnabledWithTheRootTableLatched() {
        HostStack stack = boot(Map.of());
        VtdUnit unit = (VtdUnit) m.machine.component("dmar0");
        assertTrue(unit.translationEnabled());
        assertEquals(0xC400_0000L, m.machine.system().read(BASE + 0x1C, 4) & 0xC400_0000L, "GSTS.TES|RTPS|QIES");
        assertTrue(stack.vtdDriver("dmar0").faults().isEmpty());
    }

    @Test
    void defaultIdentityDomainPassesDeviceDmaThrough() {
        HostStack stack = boot(Map.of());
        PciFunction f = m.pci.function("dev");
        enableBusMaster(f);
        assertTrue(dmaWrite("dev", 0x10_0000, le64(0x1122334455667788L)).ok());
        assertEquals(0x1122334455667788L, ram64(0x10_0000));
        assertEquals("identity", stack.iommu().device(f.requesterId()).group().domain().type().wireName());
    }

    @Test
    void identityDomainWithoutPassThroughIsAnIdentityMappedTable() {
        boot(Map.of("pt", "false"));
        enableBusMaster(m.pci.function("dev"));
        assertTrue(dmaWrite("dev", 0x0FF_F000, le64(42)).ok());
        assertEquals(42, ram64(0x0FF_F000));
    }

    @Test
    void claimBlocksDmaAndTheDriverReadsTheFaultRecord() {
        HostStack stack = boot(Map.of());
        PciFunction f = m.pci.function("dev");
        enableBusMaster(f);
        claim(stack, f);
        DmaResult r = dmaWrite("dev", 0x10_0000, le64(7));
        assertEquals(DmaStatus.TRANSLATION_FAULT, r.status());
        assertEquals(0, ram64(0x10_0000));
        List<VtdFault> faults = stack.vtdDriver("dmar0").faults();
        assertEquals(1, faults.size());
        assertEquals(f.requesterId(), faults.get(0).source());
        assertEquals(0x2, faults.get(0).reason(), "context entry not present (A.20)");
        assertFalse(faults.get(0).read());
        assertEquals(0, m.machine.system().read(BASE + 0x34, 4) & 0x3, "FSTS.PPF and PFO cleared");
    }

    @Test
    void pagingDomainTranslatesAndUnmapIsInvalidated() {
        HostStack stack = boot(Map.of());
        PciFunction f = m.pci.function("dev");
        enableBusMaster(f);
        IommuDevice dev = claim(stack, f);
        PagingDomain domain = dev.allocPagingDomain(0);
        domain.map(0x4000_0000L, 0x20_0000, 0x2000, PagingDomain.PROT_READ | PagingDomain.PROT_WRITE);
        dev.attach(domain, user);
        assertTrue(dmaWrite("dev", 0x4000_1000L, le64(0xCAFE)).ok());
        assertEquals(0xCAFE, ram64(0x20_1000));
        assertEquals(0x2000, domain.unmap(0x4000_0000L, 0x2000));
        // The IOTLB entry cached by the first write must have been invalidated.
        assertFalse(dmaWrite("dev", 0x4000_1000L, le64(1)).ok());
        assertEquals(0xCAFE, ram64(0x20_1000));
        assertEquals(0x5, stack.vtdDriver("dmar0").faults().get(0).reason(), "legacy: missing leaf on write (A.18)");
    }

    @Test
    void readOnlyMappingRefusesDeviceWrites() {
        HostStack stack = boot(Map.of());
        PciFunction f = m.pci.function("dev");
        enableBusMaster(f);
        IommuDevice dev = claim(stack, f);
        PagingDomain domain = dev.allocPagingDomain(0);
        domain.map(0x1000, 0x30_0000, 0x1000, PagingDomain.PROT_READ);
        dev.attach(domain, user);
        assertFalse(dmaWrite("dev", 0x1000, le64(5)).ok());
        assertEquals(0x5, stack.vtdDriver("dmar0").faults().get(0).reason(), "write without W permission");
    }

    @Test
    void releaseRestoresPassThrough() {
        HostStack stack = boot(Map.of());
        PciFunction f = m.pci.function("dev");
        enableBusMaster(f);
        IommuDevice dev = claim(stack, f);
        PagingDomain domain = dev.allocPagingDomain(0);
        dev.attach(domain, user);
        dev.releaseDmaOwner(user);
        assertTrue(dmaWrite("dev", 0x50_0000, le64(9)).ok());
        assertEquals(9, ram64(0x50_0000));
    }

    @Test
    void mappingOverAMappedPageFailsWithEexistAndMapsNothing() {
        HostStack stack = boot(Map.of());
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        domain.map(0x3000, 0x40_0000, 0x1000, PagingDomain.PROT_READ);
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> domain.map(0x1000, 0x50_0000, 0x3000, PagingDomain.PROT_READ));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals(-1, domain.iovaToPhys(0x1000));
        assertEquals(0x40_0000, domain.iovaToPhys(0x3000));
    }

    @Test
    void pagingDomainGeometryFollowsTheUnitsAddressWidth() {
        HostStack stack = boot(Map.of("aw-bits", "39"));
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        assertEquals(4096, domain.pageSizeBitmap());
        assertEquals(0, domain.apertureStart());
        assertEquals((1L << 39) - 1, domain.apertureEnd());
        assertEquals("intel-iommu", domain.driverName());
    }

    @Test
    void dirtyTrackingAndNestParentAreNotSupported() {
        HostStack stack = boot(Map.of());
        IommuDevice dev = stack.iommu().device(m.pci.function("dev").requesterId());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(ErrnoException.class,
                () -> dev.allocPagingDomain(HostIommu.ALLOC_DIRTY_TRACKING)).errno());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(ErrnoException.class,
                () -> dev.allocPagingDomain(HostIommu.ALLOC_NEST_PARENT)).errno());
    }

    @Test
    void hwInfoCarriesCapAndEcapReadFromTheUnit() {
        HostStack stack = boot(Map.of());
        VtdConfig config = ((VtdUnit) m.machine.component("dmar0")).config();
        IommuHwInfo info = stack.iommu().device(m.pci.function("dev").requesterId()).hwInfo();
        assertEquals(IommuHwInfo.TYPE_INTEL_VTD, info.type());
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(0).putLong(config.capability()).putLong(config.extendedCapability());
        assertArrayEquals(b.array(), info.data());
    }

    @Test
    void theX86MsiWindowIsReservedForEveryDevice() {
        HostStack stack = boot(Map.of());
        assertEquals(List.of(new ReservedRegion(0xFEE0_0000L, 0xFEEF_FFFFL, ReservedRegion.Type.MSI)),
                stack.iommu().device(m.pci.function("dev").requesterId()).reservedRegions());
    }
    /** Descriptors submitted so far: IQT holds the queue tail in 16-byte descriptors (spec §10.4.22). */
    private long queueTail() {
        return m.machine.system().read(BASE + 0x88, 8) >>> 4;
    }

    @Test
    void mapWithoutCachingModeSubmitsNoInvalidation() {
        HostStack stack = boot(Map.of());
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        long before = queueTail();
        domain.map(0x10_0000, 0x40_0000, 0x4000, PagingDomain.PROT_READ);
        // intel_iommu_iotlb_sync_map: not-present -> present needs no flush when CAP.CM = 0.
        assertEquals(before, queueTail());
    }

    @Test
    void mapWithCachingModeInvalidatesTheMappedRangeOnce() {
        HostStack stack = boot(Map.of("caching-mode", "true"));
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        long before = queueTail();
        domain.map(0x10_0000, 0x40_0000, 0x4000, PagingDomain.PROT_READ);
        assertEquals(before + 2, queueTail(), "one page-selective IOTLB descriptor and its wait descriptor");
    }

    @Test
    void unmapOfManyPagesSubmitsOneInvalidation() {
        HostStack stack = boot(Map.of());
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        domain.map(0x10_0000, 0x40_0000, 0x10000, PagingDomain.PROT_READ);
        long before = queueTail();
        assertEquals(0x10000, domain.unmap(0x10_0000, 0x10000));
        assertEquals(before + 2, queueTail(), "iotlb_gather: one IOTLB descriptor for the range, then the wait");
    }

    @Test
    void mappingAcrossLeafTablesTranslatesEveryPageAndUnmapClearsThemAll() {
        HostStack stack = boot(Map.of());
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        long iova = 0x3FE000;
        domain.map(iova, 0x80_0000, 0x4000, PagingDomain.PROT_READ | PagingDomain.PROT_WRITE);
        for (long off = 0; off < 0x4000; off += 0x1000) {
            assertEquals(0x80_0000 + off + 0x10, domain.iovaToPhys(iova + off + 0x10), "page at +0x" + Long.toHexString(off));
        }
        assertEquals(0x4000, domain.unmap(iova, 0x4000));
        for (long off = 0; off < 0x4000; off += 0x1000) {
            assertEquals(-1, domain.iovaToPhys(iova + off));
        }
    }

    @Test
    void mappingOverAPageMappedInALaterLeafTableFailsWithEexistAndMapsNothing() {
        HostStack stack = boot(Map.of());
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        domain.map(0x40_1000, 0x90_0000, 0x1000, PagingDomain.PROT_READ);
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> domain.map(0x3F_F000, 0x50_0000, 0x4000, PagingDomain.PROT_READ));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals(-1, domain.iovaToPhys(0x3F_F000));
        assertEquals(-1, domain.iovaToPhys(0x40_0000));
        assertEquals(0x90_0000, domain.iovaToPhys(0x40_1000));
    }

    @Test
    void unmapOfAnUnmappedRangeReturnsZeroAndSubmitsNothing() {
        HostStack stack = boot(Map.of());
        PagingDomain domain = stack.iommu().device(m.pci.function("dev").requesterId()).allocPagingDomain(0);
        long before = queueTail();
        assertEquals(0, domain.unmap(0x1_0000_0000L, 0x40_0000));
        assertEquals(before, queueTail());
    }
}
