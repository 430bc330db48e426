package dev.vplat.guest.bench;

import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.DmaPort;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.platform.IommuUnits;

import static dev.vplat.guest.drivers.VtdRegs.*;

/**
 * An in-process machine for translation benchmarks: 1 GiB of RAM, a q35 PCI host, one VT-d unit
 * at 0xFED90000 covering every requester, and at 00:03.0 a function that does nothing but give
 * the bench its bus-master port. The bench writes legacy root, context and 4-level second-level
 * tables straight into RAM and enables translation through the registers, the way a driver does
 * (VT-d §3.4.2 root/context entries, §9.8 second-level entries, §10.4.4 GCMD).
 */
public final class VtdBenchMachine {
    public static final long RAM = 1L << 30;
    public static final long TABLES = 0x0100_0000L;
    public static final long TARGETS = 0x1000_0000L;
    private static final long RW = SL_READ | SL_WRITE;

    public final Machine machine;
    public final AddressSpace memory;
    public final VtdUnit unit;
    public final PciFunction function;
    public final int sourceId;
    private final long base;
    private final long slpt;
    private DmaPort port;
    private long next = TABLES;

    public VtdBenchMachine() {
        machine = new Machine("bench-vtd", new Trace());
        machine.addRam("ram", 0, RAM);
        memory = machine.system();
        PciHost pci = new PciHost(machine, PciHostOptions.q35());
        machine.add("pci", pci);
        PciDevice portOnly = new PciDevice() {
            @Override
            public FunctionSpec realize(DeviceContext context) {
                port = context.dma();
                return FunctionSpec.builder(0x1234, 0xBE01).build();
            }
        };
        function = pci.plug(PciDeviceTypes.define("bench-dma-port", "a function that only issues the bench's DMA",
                new PropertySchema(), v -> portOnly).create(OptionString.parse("bench-dma-port,addr=03.0")), "benchdma");
        DeviceRegistry types = DeviceRegistry.discover(VtdBenchMachine.class.getClassLoader(), "bench");
        unit = (VtdUnit) IommuUnits.place(machine, pci, types, "dmar0", "intel-iommu,scope=all,base=0xfed90000");
        machine.realize();
        base = unit.config().base();
        sourceId = function.requesterId().value();
        function.configWrite(0x04, 2, 0x6);
        long root = alloc();
        long context = alloc();
        slpt = alloc();
        memory.write(root + 16L * (sourceId >>> 8), 8, context | ROOT_PRESENT);
        long entry = context + 16L * (sourceId & 0xFF);
        memory.write(entry + 8, 8, AW_48 | 1L << 8);
        memory.write(entry, 8, slpt | CONTEXT_PRESENT);
        memory.write(base + RTADDR, 8, root);
        command(GCMD_SRTP);
        command(GCMD_TE);
    }

    /** The bench function's bus-master port (its DMA goes through the unit). */
    public DmaPort port() {
        return port;
    }

    /** Maps {@code pages} 4 KiB pages from IOVA 0 onto {@link #TARGETS} upwards. */
    public void mapPages(int pages) {
        for (int i = 0; i < pages; i++) {
            map4k((long) i << 12, TARGETS + ((long) i << 12));
        }
    }

    /** Address of the level-{@code level} entry for {@code iova} (4 = top), following present tables. */
    public long entryAddress(long iova, int level) {
        long table = slpt;
        for (int l = 4; l > level; l--) {
            table = memory.read(table + 8L * index(iova, l), 8) & SL_ADDR_MASK;
        }
        return table + 8L * index(iova, level);
    }

    private void map4k(long iova, long pa) {
        long table = slpt;
        for (int level = 4; level > 1; level--) {
            long slot = table + 8L * index(iova, level);
            long e = memory.read(slot, 8);
            if ((e & RW) == 0) {
                e = alloc() | RW;
                memory.write(slot, 8, e);
            }
            table = e & SL_ADDR_MASK;
        }
        memory.write(table + 8L * index(iova, 1), 8, pa | RW);
    }

    private static int index(long iova, int level) {
        return (int) (iova >>> (12 + 9 * (level - 1))) & 0x1FF;
    }

    private long alloc() {
        long page = next;
        next += 4096;
        return page;
    }

    /** One GCMD command, keeping the persistent status bits (Linux's way), then GSTS must show it. */
    private void command(int bit) {
        long status = memory.read(base + GSTS, 4) & GCMD_PERSISTENT;
        memory.write(base + GCMD, 4, status | bit);
        if ((memory.read(base + GSTS, 4) & bit) == 0) {
            throw new IllegalStateException("VT-d did not acknowledge GCMD bit 0x" + Integer.toHexString(bit));
        }
    }
}
