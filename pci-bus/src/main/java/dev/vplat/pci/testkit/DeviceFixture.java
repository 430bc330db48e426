package dev.vplat.pci.testkit;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.PciHostOptions;
import dev.vplat.pci.RequesterId;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.sdk.BarKind;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One device model on a small q35-like machine, and a fake driver to poke it: the unit-test
 * bench for device authors. The machine has RAM at 0, a PCI host (ECAM at 0xB0000000), the
 * device under test on the root bus, and optionally a {@link FakeIommu} translating its DMA.
 * Everything runs on the calling thread; nothing moves in time unless the test steps the clock.
 *
 * <p>The driver side works the way a guest driver does — config cycles through ECAM, BARs
 * assigned by writing addresses and then decoded by the bus, MMIO through system memory — so a
 * device that passes here behaves the same behind {@code vplat serve}. MSI and MSI-X messages
 * are captured: {@link #enableMsix()} programs entry N with data N, so {@link #msiData()} lists
 * the vectors in the order they fired.
 *
 * <pre>{@code
 * try (DeviceFixture f = DeviceFixture.builder(new MyDevice()).build()) {
 *     f.assignBars();
 *     f.enableMsix();
 *     f.memory().write32(0x1000, 42);
 *     f.mmioWrite(0, 0x10, 4, 0x1000);
 *     assertEquals(List.of(0), f.msiData());
 * }
 * }</pre>
 */
public final class DeviceFixture implements AutoCloseable {
    /** Where {@link #assignBars()} places memory BARs (each aligned to its size). */
    public static final long MMIO_BASE = 0xE000_0000L;
    /** Where {@link #assignBars()} places I/O BARs. */
    public static final long IO_BASE = 0xC000;
    /** The MSI address the fake driver programs (x86 local APIC window, APIC ID 0). */
    public static final long MSI_ADDRESS = MsiMessage.X86_WINDOW_BASE;

    private final Trace trace = new Trace(4096);
    private final Machine machine = new Machine("device-fixture", trace);
    private final PciHost host;
    private final PciFunction function;
    private final List<MsiMessage> msis = new ArrayList<>();

    private DeviceFixture(Builder b) {
        trace.enable(b.traceCategories);
        machine.addRam("ram", 0, b.ramBytes);
        host = new PciHost(machine, PciHostOptions.q35());
        machine.add("pci", host);
        function = host.plug(b.plug(), b.id);
        if (b.iommu != null) {
            host.dmaRouting().claim("fake-iommu", DmaScope.functions(List.of(function)), b.iommu);
        }
        machine.interrupts().addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage message) {
                msis.add(message);
            }
        });
        machine.realize();
    }

    /** A fixture for a device model instance, plugged as type {@code test-device}. */
    public static Builder builder(PciDevice device) {
        DeviceType<PciPlug> type = PciDeviceTypes.define("test-device", "device under test", new PropertySchema(),
                values -> device);
        return new Builder(type, "test-device");
    }

    /**
     * A fixture for a device type as the command line creates it, with its properties:
     * {@code builder(RingDevice.type(), "ring,queue-size=16")}. An {@code addr=} in the options
     * is honoured; the default slot is 03.0.
     */
    public static Builder builder(DeviceType<PciPlug> type, String options) {
        return new Builder(type, options);
    }

    /** Options of the fixture's machine. */
    public static final class Builder {
        private final DeviceType<PciPlug> type;
        private final String options;
        private long ramBytes = 64L << 20;
        private FakeIommu iommu;
        private String id = "dut";
        private Set<TraceCategory> traceCategories = EnumSet.of(TraceCategory.PCI, TraceCategory.DEVICE,
                TraceCategory.DMA);

        private Builder(DeviceType<PciPlug> type, String options) {
            this.type = type;
            this.options = options;
        }

        /** RAM size in bytes, at guest physical address 0 (default 64 MiB). */
        public Builder ram(long bytes) {
            this.ramBytes = bytes;
            return this;
        }

        /** Puts the device's DMA behind {@code iommu} (default: no IOMMU, bus addresses are physical). */
        public Builder iommu(FakeIommu iommu) {
            this.iommu = iommu;
            return this;
        }

        /** The instance name: the device's {@code DeviceContext.name()} and trace source (default {@code dut}). */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** Trace categories recorded in {@link DeviceFixture#trace()} (default PCI, DEVICE and DMA). */
        public Builder trace(Set<TraceCategory> categories) {
            this.traceCategories = EnumSet.noneOf(TraceCategory.class);
            this.traceCategories.addAll(categories);
            return this;
        }

        private PciPlug plug() {
            OptionString o = OptionString.parse(options);
            if (!o.options().containsKey(PciDeviceTypes.ADDR)) {
                o = OptionString.parse(options + "," + PciDeviceTypes.ADDR + "=03.0");
            }
            return type.create(o);
        }

        /** Builds the machine, plugs (realizes) the device and resets everything. */
        public DeviceFixture build() {
            return new DeviceFixture(this);
        }
    }

    // ------------------------------------------------------------------ config space

    /** A config read through ECAM, as a driver's {@code pci_read_config_*}. */
    public long configRead(int offset, int size) {
        return machine.system().read(ecam(offset), size);
    }

    /** A config write through ECAM, with the bus's masks and side effects. */
    public void configWrite(int offset, int size, long value) {
        machine.system().write(ecam(offset), size, value);
    }

    private long ecam(int offset) {
        RequesterId rid = function.requesterId();
        return PciHostOptions.Q35_ECAM_BASE + ((long) rid.bus() << 20) + ((long) rid.devfn() << 12) + offset;
    }

    /** Sets or clears bits of the Command register. */
    public void command(int bits, boolean set) {
        long cmd = configRead(PciConfig.COMMAND, 2);
        configWrite(PciConfig.COMMAND, 2, set ? cmd | bits : cmd & ~bits);
    }

    // ------------------------------------------------------------------ BARs and MMIO

    /** Programs BAR {@code index} with {@code address} (both dwords of a 64-bit BAR). */
    public void assignBar(int index, long address) {
        int reg = PciConfig.BAR0 + 4 * index;
        configWrite(reg, 4, address & 0xFFFF_FFFFL);
        if (bar(index).kind() == BarKind.MEMORY64) {
            configWrite(reg + 4, 4, address >>> 32);
        }
    }

    /**
     * Assigns every BAR an address — memory BARs from {@link #MMIO_BASE}, I/O BARs from
     * {@link #IO_BASE}, each aligned to its size — and sets Command.MEM, IO and BME, as a
     * driver's {@code pci_enable_device} + {@code pci_set_master} after firmware assignment.
     */
    public void assignBars() {
        long mem = MMIO_BASE;
        long io = IO_BASE;
        for (BarInfo b : function.bars()) {
            if (b.index() == BarInfo.ROM_INDEX) {
                continue;
            }
            if (b.kind() == BarKind.IO) {
                io = align(io, b.size());
                assignBar(b.index(), io);
                io += b.size();
            } else {
                mem = align(mem, b.size());
                assignBar(b.index(), mem);
                mem += b.size();
            }
        }
        command(PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_IO | PciConfig.COMMAND_MASTER, true);
    }

    private static long align(long at, long size) {
        return (at + size - 1) & -size;
    }

    /** The bus's view of BAR {@code index} (size, kind, programmed address, whether it decodes). */
    public BarInfo bar(int index) {
        BarInfo b = function.bar(index);
        if (b == null) {
            throw new IllegalArgumentException("the device has no BAR " + index);
        }
        return b;
    }

    /** A CPU read at {@code offset} into BAR {@code index}, through its decoded address. */
    public long mmioRead(int index, long offset, int size) {
        BarInfo b = decoding(index);
        return b.kind() == BarKind.IO ? machine.io().read(b.address() + offset, size)
                : machine.system().read(b.address() + offset, size);
    }

    /** A CPU write at {@code offset} into BAR {@code index}, through its decoded address. */
    public void mmioWrite(int index, long offset, int size, long value) {
        BarInfo b = decoding(index);
        if (b.kind() == BarKind.IO) {
            machine.io().write(b.address() + offset, size, value);
        } else {
            machine.system().write(b.address() + offset, size, value);
        }
    }

    private BarInfo decoding(int index) {
        BarInfo b = bar(index);
        if (!b.decoding()) {
            throw new IllegalStateException("BAR " + index + " does not decode: assign it and enable the command bits");
        }
        return b;
    }

    // ------------------------------------------------------------------ memory

    /** Guest physical memory as the CPU sees it (RAM at 0 plus the mapped BARs). */
    public GuestMemory memory() {
        return machine.system();
    }

    /** Copies {@code data} into guest memory at {@code gpa}. */
    public void writeBytes(long gpa, byte[] data) {
        if (!machine.system().write(gpa, data, 0, data.length)) {
            throw new IllegalArgumentException("guest memory at 0x" + Long.toHexString(gpa) + " is not backed");
        }
    }

    /** Reads {@code length} bytes of guest memory at {@code gpa}. */
    public byte[] readBytes(long gpa, int length) {
        byte[] out = new byte[length];
        machine.system().read(gpa, out, 0, length);
        return out;
    }

    // ------------------------------------------------------------------ interrupts

    /**
     * Programs MSI-X as a driver does: every table entry N gets address {@link #MSI_ADDRESS} and
     * data N, unmasked, then MSI-X Enable is set and Function Mask cleared. BARs must be assigned.
     */
    public void enableMsix() {
        int cap = capability(PciConfig.CAP_ID_MSIX, "MSI-X");
        int vectors = (int) (configRead(cap + PciConfig.MSIX_FLAGS, 2) & PciConfig.MSIX_FLAGS_QSIZE) + 1;
        long table = configRead(cap + PciConfig.MSIX_TABLE, 4);
        int bir = (int) (table & 7);
        long base = table & ~7L;
        for (int n = 0; n < vectors; n++) {
            long entry = base + (long) PciConfig.MSIX_ENTRY_SIZE * n;
            mmioWrite(bir, entry, 4, MSI_ADDRESS);
            mmioWrite(bir, entry + 4, 4, 0);
            mmioWrite(bir, entry + 8, 4, n);
            mmioWrite(bir, entry + 12, 4, 0);
        }
        configWrite(cap + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
    }

    /**
     * Programs MSI with address {@link #MSI_ADDRESS}, data 0 and {@code vectors} messages
     * (a power of two the device supports), then sets MSI Enable; vector N arrives with data N.
     */
    public void enableMsi(int vectors) {
        int cap = capability(PciConfig.CAP_ID_MSI, "MSI");
        int flags = (int) configRead(cap + PciConfig.MSI_FLAGS, 2);
        configWrite(cap + PciConfig.MSI_ADDRESS_LO, 4, MSI_ADDRESS);
        boolean address64 = (flags & PciConfig.MSI_FLAGS_64BIT) != 0;
        configWrite(cap + (address64 ? 12 : 8), 2, 0);
        int mme = Integer.numberOfTrailingZeros(vectors) << 4;
        configWrite(cap + PciConfig.MSI_FLAGS, 2, (flags & ~PciConfig.MSI_FLAGS_QSIZE) | mme | PciConfig.MSI_FLAGS_ENABLE);
    }

    private int capability(int id, String name) {
        int cap = function.findCapability(id);
        if (cap == 0) {
            throw new IllegalStateException("the device declares no " + name + " capability");
        }
        return cap;
    }

    /** Every MSI/MSI-X message the device sent, oldest first. */
    public List<MsiMessage> msis() {
        return List.copyOf(msis);
    }

    /** The data of every message sent: the vector numbers, with {@link #enableMsix()} or {@link #enableMsi}. */
    public List<Integer> msiData() {
        return msis.stream().map(MsiMessage::data).toList();
    }

    /** Forgets the captured messages. */
    public void clearMsis() {
        msis.clear();
    }

    /** Whether the device's INTx line is asserted (its level, unless Command.InterruptDisable masks it). */
    public boolean intxAsserted() {
        return function.intxAsserted();
    }

    // ------------------------------------------------------------------ time, reset, state

    /** Advances virtual time by {@code ns}, running the device's timers that fall due. */
    public void step(long ns) {
        machine.clock().step(ns);
    }

    /** Advances to the next armed timer and runs it; returns the new time (unchanged if none is armed). */
    public long stepToNextDeadline() {
        return machine.clock().stepToNextDeadline();
    }

    /** Current virtual time in nanoseconds. */
    public long now() {
        return machine.clock().now();
    }

    /** System reset: config space back to its reset image, then the device's {@code reset()}. */
    public void reset() {
        machine.reset();
    }

    /** A Function Level Reset, as a driver triggers it through PCIe Device Control. */
    public void functionLevelReset() {
        function.functionLevelReset();
    }

    /** Whether the bus fenced the device after its code threw (BARs then read all-ones). */
    public boolean fenced() {
        return function.fenced();
    }

    /** The function as the host side sees it, for anything this fixture does not wrap. */
    public PciFunction function() {
        return function;
    }

    /** The last trace lines (4096 kept) of the enabled categories. */
    public List<String> trace() {
        return trace.tail();
    }

    /** Whether any recorded trace line contains {@code fragment}. */
    public boolean traced(String fragment) {
        return trace.tail().stream().anyMatch(l -> l.contains(fragment));
    }

    /** Unrealizes the machine (the device's {@code unrealize()} runs). */
    @Override
    public void close() {
        machine.shutdown();
    }
}
