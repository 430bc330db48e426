package dev.vplat.vfio.platform;

import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.iommu.smmuv3.SmmuV3Config;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.machine.Machine;
import dev.vplat.vfio.plugin.PciDevicePlugger;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;

import java.util.ArrayList;
import java.util.List;

/**
 * The hardware of QEMU's Arm {@code virt} machine that matters to IOMMU and VFIO work, at the
 * addresses of hw/arm/virt.c's memory map: the PCIe host with its low ECAM window (16 buses),
 * the 32-bit MMIO window and the PIO window, an SMMUv3 at 0x09050000 translating for the whole
 * root complex ({@code -M virt,iommu=smmuv3}), and the GICv3 ITS doorbell: a device's MSI is its
 * DMA write, after translation, to GITS_TRANSLATER. RAM (at {@link #RAM_BASE}) is the caller's.
 *
 * <p>Default devices (leave them out with {@code defaultDevices = false}):
 * <pre>
 * 00:00.0 host bridge
 * 00:02.0 edu            "edu"
 * 00:03.0 dmatest        "dmatest0"
 * 00:04.0 pcie-root-port "rp0"   -> 01:00.0 dmatest "dmatest1"
 * </pre>
 * Firmware numbers the buses behind bridges at every reset ({@link BusNumbering}), so the
 * requester IDs above hold when the host stack boots.
 */
public final class VirtPreset {
    /** VIRT_MEM. */
    public static final long RAM_BASE = 0x4000_0000L;
    /** VIRT_PCIE_ECAM (the low window): 16 MiB, 16 buses. */
    public static final long ECAM_BASE = 0x3F00_0000L;
    public static final int ECAM_BUSES = 16;
    /** VIRT_PCIE_MMIO: the 32-bit window BARs are placed in. */
    public static final long PCIE_MMIO_BASE = 0x1000_0000L;
    public static final long PCIE_MMIO_SIZE = 0x2EFF_0000L;
    /** VIRT_PCIE_PIO: CPU accesses here reach PCI I/O space from port 0. */
    public static final long PCIE_PIO_BASE = 0x3EFF_0000L;
    public static final long PCIE_PIO_SIZE = 0x1_0000L;
    /** VIRT_GIC_ITS, and its GITS_TRANSLATER (translation frame + 0x40), the MSI doorbell. */
    public static final long GIC_ITS_BASE = 0x0808_0000L;
    public static final long GITS_TRANSLATER = GIC_ITS_BASE + 0x1_0040L;
    /** VIRT_SMMU. */
    public static final long SMMU_BASE = SmmuV3.VIRT_BASE;

    /**
     * What to build.
     *
     * @param defaultDevices add the default devices listed in the class doc
     * @param devices        more PCI devices, QEMU style ({@code dmatest,addr=05.0,bus=rp0}); an
     *                       {@code id=} option names the function (default: type and a number)
     * @param iommus         {@code arm-smmuv3,...} option strings; none means one host-owned
     *                       SMMUv3 with default properties. Units are named smmu0, smmu1, …
     */
    public record Options(boolean defaultDevices, List<String> devices, List<String> iommus) {
        public Options {
            devices = List.copyOf(devices);
            iommus = List.copyOf(iommus);
        }

        /** The default devices behind one default SMMUv3. */
        public static Options defaults() {
            return new Options(true, List.of(), List.of());
        }
    }

    /** What was built: the PCI host (registered as {@code pci}) and the SMMUv3 units. */
    public record Hardware(PciHost pci, List<SmmuV3> smmus) {
        public Hardware {
            smmus = List.copyOf(smmus);
        }
    }

    private VirtPreset() {
    }

    /** Builds the hardware on {@code machine}, whose RAM is already at {@link #RAM_BASE}; the caller realizes it. */
    public static Hardware build(Machine machine, DeviceRegistry registry, Options options) {
        PciHost pci = new PciHost(machine, new PciHostOptions(ECAM_BASE, ECAM_BUSES, false, false, GITS_TRANSLATER, 4));
        machine.addMmio("pcie-pio", PCIE_PIO_BASE, PCIE_PIO_SIZE, AccessRules.ANY, portIoWindow(machine));
        List<SmmuV3> smmus = new ArrayList<>();
        List<String> iommus = options.iommus().isEmpty() ? List.of(SmmuV3Config.TYPE_NAME) : options.iommus();
        for (String text : iommus) {
            smmus.add(addSmmu(machine, registry, pci, "smmu" + smmus.size(), text));
        }
        if (options.defaultDevices()) {
            PciDevicePlugger plugger = new PciDevicePlugger(registry);
            plugger.plug(pci, "edu,id=edu,addr=02.0");
            plugger.plug(pci, "dmatest,id=dmatest0,addr=03.0");
            pci.addRootPort("rp0", "04.0");
            plugger.plug(pci, "dmatest,id=dmatest1,bus=rp0,addr=00.0");
        }
        new PciDevicePlugger(registry).plugAll(pci, options.devices());
        machine.add("pci", pci);
        machine.add("firmware-bus-numbering", new BusNumbering(pci));
        return new Hardware(pci, smmus);
    }

    private static SmmuV3 addSmmu(Machine machine, DeviceRegistry registry, PciHost pci, String id, String text) {
        OptionString o = OptionString.parse(text);
        if (!o.type().equals(SmmuV3Config.TYPE_NAME)) {
            throw new ConfigException("machine 'virt' takes IOMMUs of type " + SmmuV3Config.TYPE_NAME + ", not '"
                    + o.type() + "'");
        }
        SmmuV3 unit = (SmmuV3) IommuUnits.place(machine, pci, registry, id, text);
        return unit;
    }

    /** The PIO window: CPU loads and stores become port I/O at the same offset. */
    private static MmioOps portIoWindow(Machine machine) {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return machine.io().read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                machine.io().write(offset, size, value);
            }
        };
    }
}
