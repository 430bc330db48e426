package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.iommu.smmuv3.SmmuV3Config;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuHwInfo;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommu.ReservedRegion;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.testing.TestMachine;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host SMMUv3 driver against the register-level SMMUv3 model on an Arm-like machine (RAM at
 * 0x4000_0000, ECAM, an ITS doorbell): the MMIO sequence of its bring-up, and device DMA really
 * bypassed, aborted or translated by the structures it writes.
 */
class SmmuV3HostDriverTest {
    private static final long RAM_BASE = 0x4000_0000L;
    private static final long RAM_SIZE = 256L << 20;
    private static final long POOL_SIZE = 32L << 20;
    private static final long DOORBELL = 0x0809_0040L;
    private static final long BASE = SmmuV3.VIRT_BASE;

    private final Machine machine = new Machine("virt-test", new Trace(4096));
    private final PciHost pci;
    private final HostKernel kernel;
    private final Map<String, TestMachine.DmaDevice> devices = new HashMap<>();
    private final Object user = new Object();
    private SmmuV3 smmu;

    SmmuV3HostDriverTest() {
        machine.addRam("ram", RAM_BASE, RAM_SIZE);
        pci = new PciHost(machine, new PciHostOptions(0x3F00_0000L, 16, false, false, DOORBELL, 4));
        machine.add("pci", pci);
        kernel = new HostKernel(machine, new HostPageAllocator(RAM_BASE + RAM_SIZE - POOL_SIZE, POOL_SIZE));
    }

    private SmmuV3 addSmmu(UnaryOperator<SmmuV3Config> tweak) {
        smmu = SmmuV3.create(machine, "smmu0", tweak.apply(SmmuV3Config.defaults()));
        pci.dmaRouting().claim("smmu0", DmaScope.includeAll(), smmu);
        return smmu;
    }

    private PciFunction plug(String id, String addr) {
        TestMachine.DmaDevice device = new TestMachine.DmaDevice();
        PciPlug plug = PciDeviceTypes.define("dmatest", "test device", new PropertySchema(), p -> device)
                .create(OptionString.parse("dmatest,addr=" + addr));
        devices.put(id, device);
        return pci.plug(plug, id);
    }

    private HostStack boot(UnaryOperator<SmmuV3Config> tweak, DomainType defaultDomain) {
        addSmmu(tweak);
        plug("dev", "03.0");
        machine.realize();
        HostStack stack = HostStack.boot(kernel, pci, defaultDomain);
        enableBusMaster(pci.function("dev"));
        return stack;
    }

    private HostStack boot() {
        return boot(UnaryOperator.identity(), DomainType.IDENTITY);
    }

    private SmmuV3HostDriver driver(HostStack stack) {
        return stack.smmuDriver("smmu0");
    }

    private IommuDevice claim(HostStack stack, PciFunction f) {
        stack.drivers().unbind(f.requesterId().bdf());
        stack.drivers().bind(f.requesterId().bdf() + " vfio-pci");
        IommuDevice dev = stack.iommu().device(f.requesterId());
        dev.claimDmaOwner(user);
        return dev;
    }

    private DmaResult dmaWrite(long iova, long value) {
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        return devices.get("dev").context().dma().write(iova, data, 0, data.length);
    }

    private static void enableBusMaster(PciFunction f) {
        f.configWrite(0x04, 2, f.configRead(0x04, 2) | 0x4);
    }

    private long ram64(long gpa) {
        return machine.system().readRam(gpa, 8);
    }

    /** Register names of the window offsets the host driver writes (IHI 0070 §6.2). */
    private static String name(long offset) {
        return switch ((int) offset) {
            case 0x20 -> "CR0";
            case 0x28 -> "CR1";
            case 0x2C -> "CR2";
            case 0x44 -> "GBPA";
            case 0x50 -> "IRQ_CTRL";
            case 0x64 -> "GERRORN";
            case 0x68 -> "GERROR_IRQ_CFG0";
            case 0x70 -> "GERROR_IRQ_CFG1";
            case 0x74 -> "GERROR_IRQ_CFG2";
            case 0x80 -> "STRTAB_BASE";
            case 0x88 -> "STRTAB_BASE_CFG";
            case 0x90 -> "CMDQ_BASE";
            case 0x98 -> "CMDQ_PROD";
            case 0x9C -> "CMDQ_CONS";
            case 0xA0 -> "EVENTQ_BASE";
            case 0xB0 -> "EVENTQ_IRQ_CFG0";
            case 0xB8 -> "EVENTQ_IRQ_CFG1";
            case 0xBC -> "EVENTQ_IRQ_CFG2";
            case 0x100A8 -> "EVENTQ_PROD";
            case 0x100AC -> "EVENTQ_CONS";
            default -> String.format("0x%x", offset);
        };
    }

    /** Overlays a spy window on the unit's registers that records each write as NAME or NAME=value. */
    private List<String> spyOnWrites(SmmuV3 unit) {
        List<String> writes = new ArrayList<>();
        MmioOps spy = WriteSpy.over(unit.mmio(), (offset, value) -> {
            boolean control = offset == 0x20 || offset == 0x44 || offset == 0x50;
            return control ? name(offset) + "=" + Long.toHexString(value) : name(offset);
        }, writes);
        machine.system().root().add(new MmioRegion("spy", SmmuV3.WINDOW_SIZE, SmmuV3.ACCESS_RULES, spy), BASE, 50);
        return writes;
    }

    @Test
    void bringUpWritesRegistersInLinuxOrder() {
        List<String> writes = spyOnWrites(addSmmu(UnaryOperator.identity()));
        plug("dev", "03.0");
        machine.realize();
        HostStack.boot(kernel, pci);
        // B.16: disable, CR1, CR2, stream table, command queue + CMDQEN, CFGI_ALL and TLBI_NSNH_ALL
        // (one PROD write each: command + MSI-polled sync), event queue + EVENTQEN, IRQs off, MSI
        // addresses cleared, event queue then GERROR MSI, IRQs on, SMMUEN; then one STE update per
        // function (abort -> bypass: qword 1 unused, so only qword 0 changes: one CFGI_STE batch).
        List<String> expected = new ArrayList<>(List.of("CR0=0", "CR1", "CR2", "STRTAB_BASE", "STRTAB_BASE_CFG",
                "CMDQ_BASE", "CMDQ_PROD", "CMDQ_CONS", "CR0=8", "CMDQ_PROD", "CMDQ_PROD",
                "EVENTQ_BASE", "EVENTQ_PROD", "EVENTQ_CONS", "CR0=c", "IRQ_CTRL=0", "GERROR_IRQ_CFG0",
                "EVENTQ_IRQ_CFG0", "EVENTQ_IRQ_CFG0", "EVENTQ_IRQ_CFG1", "EVENTQ_IRQ_CFG2", "GERROR_IRQ_CFG0",
                "GERROR_IRQ_CFG1", "GERROR_IRQ_CFG2", "IRQ_CTRL=5", "CR0=d"));
        for (int i = 0; i < pci.functions().size(); i++) {
            expected.add("CMDQ_PROD");
        }
        assertEquals(expected, writes);
    }

    @Test
    void bringUpOfAnEnabledUnitFirstAbortsIncomingTrafficThroughGbpa() {
        SmmuV3 unit = addSmmu(UnaryOperator.identity());
        machine.realize();
        machine.system().write(BASE + 0x20, 4, 1);
        List<String> writes = spyOnWrites(unit);
        HostStack.boot(kernel, pci);
        assertEquals(List.of("GBPA=80101000", "CR0=0"), writes.subList(0, 2), "GBPA.ABORT with Update, then CR0 <- 0");
        assertEquals(0x0010_1000L, machine.system().read(BASE + 0x44, 4), "GBPA.ABORT kept, Update completed");
    }

    @Test
    void bringUpLeavesTheUnitEnabledWithoutGlobalErrors() {
        HostStack stack = boot();
        assertEquals(0xD, machine.system().read(BASE + 0x24, 4), "CR0ACK: SMMUEN | EVENTQEN | CMDQEN");
        assertEquals(0x5, machine.system().read(BASE + 0x54, 4), "IRQ_CTRLACK: EVTQ | GERROR");
        assertEquals(machine.system().read(BASE + 0x60, 4), machine.system().read(BASE + 0x64, 4), "no GERROR active");
        assertEquals(16, machine.system().read(BASE + 0x88, 4), "STRTAB_BASE_CFG: linear, LOG2SIZE = SIDSIZE 16");
        assertTrue(driver(stack).errors().isEmpty());
    }

    @Test
    void syncCompletesByPollingConsWhenTheUnitHasNoMsis() {
        HostStack stack = boot(c -> c.withMsi(false), DomainType.IDENTITY);
        assertEquals(0, driver(stack).commandErrors());
        assertEquals(machine.system().read(BASE + 0x98, 4), machine.system().read(BASE + 0x9C, 4), "CONS caught up with PROD");
        assertTrue(dmaWrite(0x4010_0000L, 3).ok());
    }

    @Test
    void defaultIdentityDomainBypassesDeviceDma() {
        HostStack stack = boot();
        assertTrue(dmaWrite(0x4010_0000L, 0x1122334455667788L).ok());
        assertEquals(0x1122334455667788L, ram64(0x4010_0000L));
        PciFunction f = pci.function("dev");
        assertEquals("identity", stack.iommu().device(f.requesterId()).group().domain().type().wireName());
        long ste = machine.system().readRam(steAddress(f.requesterId().value()), 8);
        assertEquals(0b1001, ste & 0xF, "STE V=1, Config=0b100 bypass");
    }

    private long steAddress(int sid) {
        return (machine.system().read(BASE + 0x80, 8) & 0x00FF_FFFF_FFFF_FFC0L) + 64L * sid;
    }

    @Test
    void claimAbortsDmaSilentlyWithLinuxsAbortSte() {
        HostStack stack = boot();
        PciFunction f = pci.function("dev");
        claim(stack, f);
        DmaResult r = dmaWrite(0x4010_0000L, 7);
        assertEquals(DmaStatus.TRANSLATION_FAULT, r.status());
        assertEquals(0, ram64(0x4010_0000L));
        assertEquals(0b0001, machine.system().readRam(steAddress(f.requesterId().value()), 8) & 0xF,
                "STE V=1, Config=0b000 (arm_smmu_make_abort_ste)");
        assertTrue(driver(stack).events().isEmpty(), "Config 0b0xx aborts without an event (IHI 0070 §5.2)");
    }

    @Test
    void pagingDomainTranslatesThroughStageOneAndUnmapIsInvalidated() {
        HostStack stack = boot();
        PciFunction f = pci.function("dev");
        IommuDevice dev = claim(stack, f);
        PagingDomain domain = dev.allocPagingDomain(0);
        domain.map(0x10_0000L, 0x4020_0000L, 0x2000, PagingDomain.PROT_READ | PagingDomain.PROT_WRITE);
        dev.attach(domain, user);
        assertTrue(dmaWrite(0x10_1008L, 0xCAFE).ok());
        assertEquals(0xCAFE, ram64(0x4020_1008L));
        assertEquals(0x2000, domain.unmap(0x10_0000L, 0x2000));
        // The TLB entry the first write cached must be gone: the DMA now faults at stage 1.
        DmaResult r = dmaWrite(0x10_1008L, 1);
        assertEquals(DmaStatus.TRANSLATION_FAULT, r.status());
        assertEquals(0xCAFE, ram64(0x4020_1008L));
        List<SmmuV3Event> events = driver(stack).events();
        assertEquals(1, events.size());
        assertEquals(SmmuV3Event.F_TRANSLATION, events.get(0).type());
        assertEquals(f.requesterId().value(), events.get(0).streamId());
        assertEquals(0x10_1008L, events.get(0).inputAddress());
        assertFalse(events.get(0).read());
        assertEquals(0, smmu.eventsDiscarded());
    }

    @Test
    void readOnlyMappingFaultsDeviceWritesWithAPermissionEvent() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack, pci.function("dev"));
        PagingDomain domain = dev.allocPagingDomain(0);
        domain.map(0x1000, 0x4030_0000L, 0x1000, PagingDomain.PROT_READ);
        dev.attach(domain, user);
        assertEquals(DmaStatus.PERMISSION_FAULT, dmaWrite(0x1000, 5).status());
        assertEquals(SmmuV3Event.F_PERMISSION, driver(stack).events().get(0).type());
    }

    @Test
    void aligned2MiBMappingsUseBlocksAndUnmapInvalidatesThem() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack, pci.function("dev"));
        SmmuTranslatedDomain domain = (SmmuTranslatedDomain) dev.allocPagingDomain(0);
        domain.map(0x20_0000L, 0x4040_0000L, 0x20_0000L, PagingDomain.PROT_READ | PagingDomain.PROT_WRITE);
        assertEquals(2, domain.table().walk(0x20_0000L).level(), "a level 2 block");
        dev.attach(domain, user);
        assertTrue(dmaWrite(0x3F_FFF8L, 11).ok());
        assertEquals(11, ram64(0x405F_FFF8L));
        assertEquals(0x20_0000L, domain.unmap(0x20_0000L, 0x20_0000L));
        assertFalse(dmaWrite(0x3F_FFF8L, 12).ok());
    }

    @Test
    void switchingBetweenPagingDomainsRewritesTheContextDescriptor() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack, pci.function("dev"));
        PagingDomain a = dev.allocPagingDomain(0);
        PagingDomain b = dev.allocPagingDomain(0);
        a.map(0x1000, 0x4050_0000L, 0x1000, PagingDomain.PROT_WRITE);
        b.map(0x1000, 0x4060_0000L, 0x1000, PagingDomain.PROT_WRITE);
        dev.attach(a, user);
        assertTrue(dmaWrite(0x1000, 1).ok());
        dev.replace(b, user);
        assertTrue(dmaWrite(0x1000, 2).ok());
        assertEquals(1, ram64(0x4050_0000L));
        assertEquals(2, ram64(0x4060_0000L), "the new ASID's table, not a stale TLB entry");
        assertEquals(0, driver(stack).commandErrors());
    }

    @Test
    void releaseRestoresBypassAndFreedDomainReturnsItsPages() {
        HostStack stack = boot();
        IommuDevice dev = claim(stack, pci.function("dev"));
        long before = kernel.pages().allocatedPages();
        PagingDomain domain = dev.allocPagingDomain(0);
        domain.map(0x1000, 0x4070_0000L, 0x1000, PagingDomain.PROT_WRITE);
        dev.attach(domain, user);
        dev.releaseDmaOwner(user);
        domain.free();
        assertTrue(dmaWrite(0x4070_0000L, 9).ok());
        assertEquals(9, ram64(0x4070_0000L));
        assertEquals(before + 1, kernel.pages().allocatedPages(), "only the device's CD table stays");
    }

    @Test
    void stageTwoOnlyUnitRealizesPagingDomainsInTheStreamTableEntry() {
        HostStack stack = boot(c -> c.withStages(SmmuV3Config.Stages.S2), DomainType.IDENTITY);
        PciFunction f = pci.function("dev");
        IommuDevice dev = claim(stack, f);
        PagingDomain domain = dev.allocPagingDomain(0);
        assertEquals((1L << 44) - 1, domain.apertureEnd(), "IAS = OAS 44 bits");
        domain.map(0x8000, 0x4080_0000L, 0x1000, PagingDomain.PROT_READ | PagingDomain.PROT_WRITE);
        dev.attach(domain, user);
        assertTrue(dmaWrite(0x8000, 13).ok());
        assertEquals(13, ram64(0x4080_0000L));
        assertEquals(0b1101, machine.system().readRam(steAddress(f.requesterId().value()), 8) & 0xF, "Config 0b110");
        domain.unmap(0x8000, 0x1000);
        assertFalse(dmaWrite(0x8000, 14).ok());
    }

    @Test
    void dmaDefaultDomainTranslatesThroughAnEmptyStageOneTable() {
        HostStack stack = boot(UnaryOperator.identity(), DomainType.DMA);
        assertEquals(DmaStatus.TRANSLATION_FAULT, dmaWrite(0x4010_0000L, 1).status());
        assertEquals(SmmuV3Event.F_TRANSLATION, driver(stack).events().get(0).type());
    }

    @Test
    void mappingOverAMappedPageFailsWithEexistAndMapsNothing() {
        HostStack stack = boot();
        PagingDomain domain = stack.iommu().device(pci.function("dev").requesterId()).allocPagingDomain(0);
        domain.map(0x3000, 0x4040_0000L, 0x1000, PagingDomain.PROT_READ);
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> domain.map(0x1000, 0x4050_0000L, 0x3000, PagingDomain.PROT_READ));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals(-1, domain.iovaToPhys(0x1000));
        assertEquals(0x4040_0000L, domain.iovaToPhys(0x3000));
    }

    @Test
    void pagingDomainGeometryIsLinuxs() {
        HostStack stack = boot();
        PagingDomain domain = stack.iommu().device(pci.function("dev").requesterId()).allocPagingDomain(0);
        assertEquals(0x1000L | 0x20_0000L | 0x4000_0000L, domain.pageSizeBitmap());
        assertEquals(0, domain.apertureStart());
        assertEquals((1L << 48) - 1, domain.apertureEnd(), "stage 1 input size 48 bits without VAX");
        assertEquals("arm-smmu-v3", domain.driverName());
    }

    @Test
    void dirtyTrackingIsNotSupportedAndNestParentNeedsBothStages() {
        HostStack stack = boot();
        IommuDevice dev = stack.iommu().device(pci.function("dev").requesterId());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(ErrnoException.class,
                () -> dev.allocPagingDomain(HostIommu.ALLOC_DIRTY_TRACKING)).errno());
        assertEquals(Errno.EOPNOTSUPP, assertThrows(ErrnoException.class,
                () -> dev.allocPagingDomain(HostIommu.ALLOC_NEST_PARENT)).errno());
    }

    @Test
    void nestParentOnANestingUnitIsAStageTwoDomain() {
        HostStack stack = boot(c -> c.withStages(SmmuV3Config.Stages.NESTED), DomainType.IDENTITY);
        IommuDevice dev = claim(stack, pci.function("dev"));
        SmmuTranslatedDomain parent = (SmmuTranslatedDomain) dev.allocPagingDomain(HostIommu.ALLOC_NEST_PARENT);
        assertTrue(parent.stage2());
        parent.map(0x2000, 0x4090_0000L, 0x1000, PagingDomain.PROT_WRITE | PagingDomain.PROT_READ);
        dev.attach(parent, user);
        assertTrue(dmaWrite(0x2000, 21).ok());
        assertEquals(21, ram64(0x4090_0000L));
    }

    @Test
    void hwInfoIsTheArmSmmuv3StructWithTheUnitsIdRegisters() {
        HostStack stack = boot();
        IommuHwInfo info = stack.iommu().device(pci.function("dev").requesterId()).hwInfo();
        assertEquals(2, info.type(), "IOMMU_HW_INFO_TYPE_ARM_SMMUV3");
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0).putInt(0);
        for (int i = 0; i < 8; i++) {
            b.putInt((int) machine.system().read(BASE + 4L * i, 4));
        }
        assertArrayEquals(b.array(), info.data());
        assertEquals(0x0D48_701A, ByteBuffer.wrap(info.data()).order(ByteOrder.LITTLE_ENDIAN).getInt(8), "IDR0 (defaults)");
        assertEquals(0, info.capabilities());
    }

    @Test
    void theSoftwareMsiWindowIsReservedForEveryDevice() {
        HostStack stack = boot();
        assertEquals(List.of(new ReservedRegion(0x800_0000L, 0x80F_FFFFL, ReservedRegion.Type.SW_MSI)),
                stack.iommu().device(pci.function("dev").requesterId()).reservedRegions());
    }

    @Test
    void guestWritesToTheHostOwnedWindowAreRefused() {
        HostStack stack = boot();
        assertFalse(stack.guestMayWrite(BASE + 0x20));
        assertFalse(stack.guestMayWrite(BASE + 0x100AC));
        assertTrue(stack.guestMayWrite(BASE + 0x20000));
    }

    @Test
    void guestOwnedUnitIsLeftAtResetAndItsDevicesHaveNoGroup() {
        addSmmu(c -> new SmmuV3Config(c.stages(), c.granules(), SmmuV3Config.Owner.GUEST, c.strict(), c.oasBits(),
                c.sidBits(), c.ssidBits(), c.pri(), c.ats(), c.twoLevelStreamTable(), c.msi(), c.scope(), c.base()));
        plug("dev", "03.0");
        machine.realize();
        HostStack stack = HostStack.boot(kernel, pci);
        assertEquals(null, stack.smmuDriver("smmu0"));
        assertEquals(0, machine.system().read(BASE + 0x24, 4), "CR0ACK untouched");
        assertEquals(null, stack.iommu().device(pci.function("dev").requesterId()).group());
    }
}
