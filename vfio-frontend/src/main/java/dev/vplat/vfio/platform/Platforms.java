package dev.vplat.vfio.platform;

import dev.vplat.pci.PciHost;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.pci.PciHost;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.plugin.PluginLoader;
import dev.vplat.vfio.vfio.Vfio;

/**
 * Builds a {@link Platform} from a {@link PlatformConfig}, in the order a machine is put
 * together: RAM and the fixed windows of the architecture, the host kernel with its page pool,
 * then the devices and IOMMUs the preset and the command line ask for, then realize.
 *
 * <p>The host kernel's page pool is the upper half of RAM (rounded to pages): user memory of
 * sessions, host IOMMU page tables and queues live there, so the lower half is what a guest
 * driver under test may use freely. MACHINE_INFO lists the pool as memory of kind
 * {@code host-reserved}.
 */
public final class Platforms {
    /** RAM base of QEMU's Arm {@code virt} machine (hw/arm/virt.c, VIRT_MEM). */
    public static final long VIRT_RAM_BASE = 0x4000_0000L;
    private static final long MIN_MEMORY = 1L << 20;

    private Platforms() {
    }

    public static Platform create(PlatformConfig config) {
        if (config.memoryBytes() < MIN_MEMORY || (config.memoryBytes() & (HostPageAllocator.PAGE_SIZE - 1)) != 0) {
            throw new ConfigException("memory must be at least 1M and a multiple of 4K, not " + config.memoryBytes());
        }
        Trace trace = new Trace();
        trace.enable(TraceCategory.parseList(config.trace()));
        Machine machine = new Machine(config.machine(), trace);
        long ramBase;
        switch (config.machine()) {
            case "q35":
                ramBase = 0;
                machine.addRam("ram", ramBase, config.memoryBytes());
                machine.addX86MsiWindow();
                break;
            case "virt":
                ramBase = VIRT_RAM_BASE;
                machine.addRam("ram", ramBase, config.memoryBytes());
                break;
            default:
                throw new ConfigException("unknown machine '" + config.machine() + "' (known: q35, virt)");
        }
        long poolSize = (config.memoryBytes() / 2) & -HostPageAllocator.PAGE_SIZE;
        HostKernel kernel = new HostKernel(machine,
                new HostPageAllocator(ramBase + config.memoryBytes() - poolSize, poolSize));
        kernel.setTestHooks(config.testHooks());
        MachineInfoRegistry info = new MachineInfoRegistry();
        kernel.provide(MachineInfoRegistry.class, info);

        DeviceRegistry types = PluginLoader.registry(Platforms.class.getClassLoader(), config.plugins());
        PciHost pci = buildHardware(machine, types, config);

        machine.realize();
        HostServices.boot(kernel, pci, info, config.machine().equals("q35") ? Vfio.BarWindow.Q35_PCI_HOLE
                : new Vfio.BarWindow(VirtPreset.PCIE_MMIO_BASE, VirtPreset.PCIE_MMIO_BASE + VirtPreset.PCIE_MMIO_SIZE));
        return new Platform(config, machine, kernel, info);
    }

    /** The machine's buses, devices and IOMMUs (the machine name was checked when RAM was laid out). */
    private static PciHost buildHardware(Machine machine, DeviceRegistry types, PlatformConfig config) {
        if (config.machine().equals("q35")) {
            return Q35Preset.build(machine, types, config);
        }
        return VirtPreset.build(machine, types,
                new VirtPreset.Options(!config.noDefaults(), config.devices(), config.iommus())).pci();
    }
}
