package dev.vplat.vfio.platform;

import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.RequesterId;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.hostiommu.SmmuV3Event;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuGroup;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Arm virt preset: QEMU's placement, firmware bus numbers, and the host stack running on it. */
class VirtPresetTest {
    private static final long RAM_SIZE = 256L << 20;
    private static final long POOL_SIZE = 64L << 20;
    /** Where the test places dmatest0's BAR0: the start of VIRT_PCIE_MMIO. */
    private static final long BAR0 = VirtPreset.PCIE_MMIO_BASE;

    private final Machine machine = new Machine("virt", new Trace(4096));
    private final DeviceRegistry registry = DeviceRegistry.discover(getClass().getClassLoader(), "test");
    private final Object user = new Object();

    private VirtPreset.Hardware build(VirtPreset.Options options) {
        machine.addRam("ram", VirtPreset.RAM_BASE, RAM_SIZE);
        VirtPreset.Hardware hw = VirtPreset.build(machine, registry, options);
        machine.realize();
        return hw;
    }

    private HostStack boot(VirtPreset.Hardware hw) {
        HostKernel kernel = new HostKernel(machine,
                new HostPageAllocator(VirtPreset.RAM_BASE + RAM_SIZE - POOL_SIZE, POOL_SIZE));
        return HostStack.boot(kernel, hw.pci());
    }

    /**
     * Places the dmatest's BAR0 at {@code bar}, enables memory decode and bus mastering, and runs
     * one WRITE_VALUE of 8 bytes to {@code iova} (docs/devices/dmatest.md); returns RESULT.
     */
    private long writeValue(PciFunction f, long bar, long iova, long value) {
        f.configWrite(0x10, 4, bar);
        f.configWrite(0x14, 4, 0);
        f.configWrite(0x04, 2, 0x6);
        machine.system().write(bar + 0x10, 8, iova);
        machine.system().write(bar + 0x18, 4, 8);
        machine.system().write(bar + 0x20, 4, 3);
        machine.system().write(bar + 0x30, 8, value);
        machine.system().write(bar + 0x38, 4, 1);
        return machine.system().read(bar + 0x40, 4);
    }

    @Test
    void defaultDevicesSitAtTheirAddressesWithFirmwareNumberedBuses() {
        VirtPreset.Hardware hw = build(VirtPreset.Options.defaults());
        assertEquals(RequesterId.parse("00:02.0"), hw.pci().function("edu").requesterId());
        assertEquals(RequesterId.parse("00:03.0"), hw.pci().function("dmatest0").requesterId());
        assertEquals(RequesterId.parse("01:00.0"), hw.pci().function("dmatest1").requesterId());
        PciBridge rp = (PciBridge) hw.pci().function("rp0");
        assertEquals(List.of(0, 1, 1), List.of(rp.primaryBusNumber(), rp.secondaryBusNumber(), rp.subordinateBusNumber()));
        assertEquals(0x11E8_1234L, machine.system().read(VirtPreset.ECAM_BASE + (0x02 << 15), 4), "edu through ECAM");
    }

    @Test
    void smmuSitsAtTheVirtBaseAndTranslatesForTheRootComplex() {
        VirtPreset.Hardware hw = build(VirtPreset.Options.defaults());
        assertEquals(1, hw.smmus().size());
        assertEquals(VirtPreset.SMMU_BASE, hw.smmus().get(0).config().base());
        assertSame(hw.smmus().get(0), hw.pci().dmaRouting().translatorFor(RequesterId.parse("01:00.0")));
        assertEquals(0x0D48_701AL, machine.system().read(0x0905_0000L, 4), "IDR0 through MMIO");
    }

    @Test
    void machineResetRenumbersTheBusesBehindBridges() {
        VirtPreset.Hardware hw = build(VirtPreset.Options.defaults());
        machine.reset();
        assertEquals(RequesterId.parse("01:00.0"), hw.pci().function("dmatest1").requesterId());
    }

    @Test
    void hostStackBootsOnVirtWithOneGroupPerIsolatedFunction() {
        VirtPreset.Hardware hw = build(VirtPreset.Options.defaults());
        HostStack stack = boot(hw);
        assertNotNull(stack.smmuDriver("smmu0"));
        Set<IommuGroup> groups = List.of("edu", "dmatest0", "dmatest1").stream()
                .map(id -> stack.iommu().device(hw.pci().function(id).requesterId()).group())
                .collect(Collectors.toSet());
        assertEquals(3, groups.size(), "edu, dmatest0 and dmatest1 are isolated from each other");
        for (IommuGroup g : groups) {
            assertEquals("smmu0", g.iommu().unitId());
            assertEquals("identity", g.domain().type().wireName());
        }
        assertEquals("dmatest", stack.drivers().device(RequesterId.parse("01:00.0")).driver().name());
    }

    @Test
    void dmatestWritesThroughTheSmmuIntoAMappedPageAndItsMsiReachesTheDoorbell() {
        VirtPreset.Hardware hw = build(VirtPreset.Options.defaults());
        HostStack stack = boot(hw);
        PciFunction f = hw.pci().function("dmatest0");
        String bdf = f.requesterId().bdf();
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
        IommuDevice dev = stack.iommu().device(f.requesterId());
        dev.claimDmaOwner(user);
        PagingDomain domain = dev.allocPagingDomain(0);
        long page = VirtPreset.RAM_BASE + 0x20_0000L;
        domain.map(0x1_0000_0000L, page, 0x1000, PagingDomain.PROT_READ | PagingDomain.PROT_WRITE);
        dev.attach(domain, user);

        assertEquals(2, writeValue(f, BAR0, 0x1_0000_0010L, 0x5EED_F00DL), "RESULT done");
        assertEquals(0x5EED_F00DL, machine.system().readRam(page + 0x10, 8));
        assertEquals(3, writeValue(f, BAR0, 0x2_0000_0000L, 1), "RESULT translation fault on an unmapped IOVA");
        List<SmmuV3Event> events = stack.smmuDriver("smmu0").events();
        assertEquals(SmmuV3Event.F_TRANSLATION, events.get(events.size() - 1).type());
    }

    @Test
    void smmuEventInterruptIsAnMsiToGitsTranslater() {
        VirtPreset.Hardware hw = build(VirtPreset.Options.defaults());
        HostStack stack = boot(hw);
        List<MsiMessage> msis = new ArrayList<>();
        machine.interrupts().addListener(msis::add);
        IommuDevice dev = stack.iommu().device(hw.pci().function("dmatest1").requesterId());
        PciFunction f = hw.pci().function("dmatest1");
        stack.drivers().unbind(f.requesterId().bdf());
        stack.drivers().bind(f.requesterId().bdf() + " vfio-pci");
        dev.claimDmaOwner(user);
        PagingDomain domain = dev.allocPagingDomain(0);
        dev.attach(domain, user);
        assertEquals(3, writeValue(f, BAR0 + 0x1_0000L, 0x3000, 1), "RESULT translation fault");
        assertEquals(VirtPreset.GITS_TRANSLATER, msis.get(0).address());
        assertEquals(1, stack.smmuDriver("smmu0").events().size(), "read from the event queue on its MSI");
    }

    @Test
    void extraDevicesAndIommuPropertiesComeFromOptionStrings() {
        VirtPreset.Hardware hw = build(new VirtPreset.Options(false,
                List.of("dmatest,id=extra,addr=07.0"), List.of("arm-smmuv3,stage=2")));
        assertEquals(RequesterId.parse("00:07.0"), hw.pci().function("extra").requesterId());
        assertEquals(null, hw.pci().function("edu"));
        assertEquals(1, machine.system().read(VirtPreset.SMMU_BASE, 4) & 3, "IDR0.S2P only");
    }

    @Test
    void anIommuOtherThanAnSmmuIsRefused() {
        machine.addRam("ram", VirtPreset.RAM_BASE, RAM_SIZE);
        assertThrows(ConfigException.class, () -> VirtPreset.build(machine, registry,
                new VirtPreset.Options(true, List.of(), List.of("intel-iommu"))));
    }
}
