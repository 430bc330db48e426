package dev.vplat.vfio.vfio;

import dev.vplat.vfio.testing.UserProcessCalls;

import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.pci.devices.EduDevice;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.q35.Q35PciTopology;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.kernel.Process;

import java.util.Map;


/**
 * A q35 machine as a VFIO user meets it: the reference PCI topology (edu at 00:03.0, dmatest
 * behind root port 00:04.0 on bus 1, the multifunction dmatest pair 00:05.0/.1 without ACS, edu
 * behind the PCIe-to-PCI bridge 00:06.0 on bus 2), one host-owned VT-d unit covering everything,
 * the booted host stack with VFIO installed, and one unprivileged process whose calls go through
 * the same path the protocol uses: struct bytes in its user memory, then OpenFile.ioctl.
 */
final class VfioBed extends UserProcessCalls {
    static final long RAM_SIZE = 256L << 20;
    static final long POOL_BASE = 224L << 20;
    static final String EDU = "0000:00:03.0";
    static final String DMATEST = "0000:01:00.0";
    static final String MF0 = "0000:00:05.0";
    static final String MF1 = "0000:00:05.1";

    final Machine machine = new Machine("vfio-test", new Trace(4096));
    final PciHost pci;
    final HostKernel kernel;
    final HostStack stack;
    final Vfio vfio;
    final Process proc;

    VfioBed() {
        machine.addRam("ram", 0, RAM_SIZE);
        machine.addX86MsiWindow();
        DeviceRegistry registry = new DeviceRegistry();
        registry.register(DmaTestDevice.type(), "test");
        registry.register(EduDevice.type(), "test");
        pci = Q35PciTopology.build(machine, registry);
        VtdConfig config = VtdConfig.fromProperties(VtdConfig.schema().resolve("intel-iommu",
                Map.of("owner", "host", "scope", "all", "base", Long.toString(VtdConfig.DEFAULT_BASE))));
        VtdUnit unit = VtdUnit.create(machine, "dmar0", config);
        pci.dmaRouting().claim("dmar0", DmaScope.includeAll(), unit);
        kernel = new HostKernel(machine, new HostPageAllocator(POOL_BASE, RAM_SIZE - POOL_BASE));
        machine.realize();
        numberBuses(pci.function("rp0"), 1);
        numberBuses(pci.function("pcibr0"), 2);
        stack = HostStack.boot(kernel, pci);
        vfio = Vfio.install(kernel);
        proc = kernel.spawn(false);
    }

    /** What firmware enumeration does: primary 0, secondary = subordinate = {@code bus}. */
    private static void numberBuses(PciFunction bridge, int bus) {
        bridge.configWrite(0x18, 1, 0);
        bridge.configWrite(0x19, 1, bus);
        bridge.configWrite(0x1A, 1, bus);
    }

    /** sysfs: unbind the device's own driver and bind vfio-pci. */
    void toVfio(String bdf) {
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
    }

    PciFunction function(String bdf) {
        return pci.function(dev.vplat.pci.RequesterId.parse(bdf));
    }

    @Override
    protected HostKernel kernel() {
        return kernel;
    }

    @Override
    protected Process process() {
        return proc;
    }
}
