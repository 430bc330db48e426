package dev.vplat.vfio.testing;

import dev.vplat.iommu.UnitScope;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.pci.sdk.PcieType;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small q35-like machine for host-stack tests: 256 MiB of RAM (the top 16 MiB are the host page
 * pool), a PCI host, VT-d or mock IOMMU units, bus-mastering test devices whose DMA port the
 * test drives directly, and the real dmatest engine programmed through its registers.
 */
public final class TestMachine {
    public static final long RAM_SIZE = 256L << 20;
    public static final long POOL_BASE = 240L << 20;

    public final Machine machine = new Machine("test", new Trace(4096));
    public final PciHost pci;
    public final HostKernel kernel;
    private final Map<String, DmaDevice> dmaDevices = new HashMap<>();
    private final List<Runnable> firmware = new ArrayList<>();

    public TestMachine() {
        machine.addRam("ram", 0, RAM_SIZE);
        machine.addX86MsiWindow();
        pci = new PciHost(machine, PciHostOptions.q35());
        machine.add("pci", pci);
        kernel = new HostKernel(machine, new HostPageAllocator(POOL_BASE, RAM_SIZE - POOL_BASE));
    }

    /** A device that only masters the bus; the test issues its DMA through {@link #dma}. */
    public static final class DmaDevice implements PciDevice {
        private DeviceContext context;

        @Override
        public FunctionSpec realize(DeviceContext ctx) {
            this.context = ctx;
            return FunctionSpec.builder(0x1234, 0x5678).classCode(0xFF0000).pcie(PcieType.ENDPOINT, false).build();
        }

        public DeviceContext context() {
            return context;
        }
    }

    /** Plugs a test device of {@code type} at {@code addr} below bridge {@code bus} ("" = root bus). */
    public PciFunction plug(String id, String type, String bus, String addr) {
        DmaDevice device = new DmaDevice();
        PropertySchema schema = new PropertySchema();
        PciPlug plug = PciDeviceTypes.define(type, "test device", schema, p -> device)
                .create(dev.vplat.platform.device.OptionString.parse(type + ",addr=" + addr + ",bus=" + bus));
        PciFunction f = pci.plug(plug, id);
        dmaDevices.put(id, device);
        return f;
    }

    public DmaDevice dmaDevice(String id) {
        return dmaDevices.get(id);
    }

    /** A PCIe-to-PCI bridge below a root port; buses numbered as firmware would (1 and 2). */
    public PciBridge pcieToPciBridge(String id, String addr) {
        PciBridge port = pci.addRootPort(id + "-port", addr);
        PciBridge bridge = pci.addBridge(PciBridge.Kind.PCIE_TO_PCI_BRIDGE, id, id + "-port", "00.0", false);
        firmware.add(() -> {
            numberBuses(port, 0, 1, 2);
            numberBuses(bridge, 1, 2, 2);
        });
        return bridge;
    }

    /** Realizes the machine, then numbers bridge buses as firmware enumeration would. */
    public void realize() {
        machine.realize();
        firmware.forEach(Runnable::run);
    }

    private static void numberBuses(PciBridge b, int primary, int secondary, int subordinate) {
        b.configWrite(0x18, 1, primary);
        b.configWrite(0x19, 1, secondary);
        b.configWrite(0x1A, 1, subordinate);
    }

    /**
     * Plugs the real {@code dmatest} DMA engine at {@code addr} on the root bus and gives it BAR0 at
     * {@code bar0} with memory decode and bus mastering on, as firmware would; its registers are
     * then reachable through {@code machine.system()}.
     */
    public PciFunction plugDmaTest(String id, String addr, long bar0) {
        PciPlug plug = DmaTestDevice.type().create(dev.vplat.platform.device.OptionString.parse("dmatest,addr=" + addr));
        PciFunction f = pci.plug(plug, id);
        firmware.add(() -> {
            f.configWrite(0x10, 4, bar0 & 0xFFFF_FFFFL);
            f.configWrite(0x14, 4, bar0 >>> 32);
            f.configWrite(0x04, 2, f.configRead(0x04, 2) | 0x6);
        });
        return f;
    }

    /** Adds a mock IOMMU unit and routes its scope to it, as the machine builder would. */
    public MockIommu mockIommu(String id, String scope) {
        UnitScope s = UnitScope.parse(scope);
        MockIommu unit = machine.add(id, new MockIommu(id, s));
        pci.dmaRouting().claim(id, s.isIncludeAll() ? DmaScope.includeAll() : DmaScope.requesters(s.requesters()), unit);
        return unit;
    }

    /** Adds a VT-d unit the way the machine builder does, and routes its scope to it. */
    public VtdUnit vtd(String id, long base, String owner, String scope, Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(extra);
        props.put("owner", owner);
        props.put("scope", scope);
        props.put("base", Long.toString(base));
        VtdConfig config = VtdConfig.fromProperties(VtdConfig.schema().resolve("intel-iommu", props));
        VtdUnit unit = VtdUnit.create(machine, id, config);
        UnitScope s = config.scope();
        pci.dmaRouting().claim(id, s.isIncludeAll() ? DmaScope.includeAll() : DmaScope.requesters(s.requesters()), unit);
        return unit;
    }
}
