package dev.vplat.pci;

import dev.vplat.pci.q35.Q35PciTopology;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.irq.InterruptListener;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Function;

/** A q35-like machine with 256 MiB of RAM, a PCI host and a guest's view of config space. */
public final class Bench {
    public static final long ECAM = PciHostOptions.Q35_ECAM_BASE;
    public final Trace trace = new Trace(4096);
    public final Machine machine = new Machine("test", trace);
    public final DeviceRegistry registry = DeviceRegistry.discover(Bench.class.getClassLoader(), "pci-bus");
    public final PciHost host;
    public final List<MsiMessage> msis = new ArrayList<>();

    public Bench() {
        this(PciHostOptions.q35());
    }

    public Bench(PciHostOptions options) {
        trace.enable(EnumSet.allOf(TraceCategory.class));
        machine.addRam("ram", 0, 256L << 20);
        host = new PciHost(machine, options);
        machine.add("pci", host);
        machine.interrupts().addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage message) {
                msis.add(message);
            }
        });
    }

    public PciFunction plug(String id, String options) {
        OptionString o = OptionString.parse(options);
        return host.plug(registry.find(o.type(), PciPlug.class).create(o), id);
    }

    /** Plugs a test-only SDK device declaring {@code spec}. */
    public PciFunction plugSpec(String id, String addr, Function<DeviceContext, FunctionSpec> spec) {
        return plugModel(id, addr, "", context -> new PciDevice() {
            @Override
            public FunctionSpec realize(DeviceContext c) {
                return spec.apply(c);
            }
        });
    }

    public PciFunction plugModel(String id, String addr, String bus, Function<DeviceContext, PciDevice> model) {
        PciDevice[] holder = new PciDevice[1];
        PciDevice device = new PciDevice() {
            @Override
            public FunctionSpec realize(DeviceContext c) {
                holder[0] = model.apply(c);
                return holder[0].realize(c);
            }

            @Override
            public void reset() {
                holder[0].reset();
            }
        };
        PciPlug plug = PciDeviceTypes.define("test-device", "test", new PropertySchema(), v -> device)
                .create(OptionString.parse("test-device,addr=" + addr + (bus.isEmpty() ? "" : ",bus=" + bus)));
        return host.plug(plug, id);
    }

    public void realize() {
        machine.realize();
    }

    public static Bench q35() {
        Bench b = new Bench(PciHostOptions.q35(), true);
        return b;
    }

    private Bench(PciHostOptions options, boolean q35) {
        trace.enable(EnumSet.allOf(TraceCategory.class));
        machine.addRam("ram", 0, 256L << 20);
        host = Q35PciTopology.build(machine, registry);
        machine.interrupts().addListener(new InterruptListener() {
            @Override
            public void onMsi(MsiMessage message) {
                msis.add(message);
            }
        });
    }

    // ------------------------------------------------------------ guest config access

    public long ecamRead(int bus, int dev, int fn, int reg, int size) {
        return machine.system().read(ecamAddress(bus, dev, fn, reg), size);
    }

    public void ecamWrite(int bus, int dev, int fn, int reg, int size, long value) {
        machine.system().write(ecamAddress(bus, dev, fn, reg), size, value);
    }

    private static long ecamAddress(int bus, int dev, int fn, int reg) {
        return ECAM + ((long) bus << 20) + ((long) dev << 15) + ((long) fn << 12) + reg;
    }

    public long cf8Read(int bus, int dev, int fn, int reg, int size) {
        machine.io().write(0xCF8, 4, 0x8000_0000L | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xFC));
        return machine.io().read(0xCFC + (reg & 3), size);
    }

    public void cf8Write(int bus, int dev, int fn, int reg, int size, long value) {
        machine.io().write(0xCF8, 4, 0x8000_0000L | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xFC));
        machine.io().write(0xCFC + (reg & 3), size, value);
    }

    /** Config write through ECAM at the function's current address. */
    public void cfgWrite(PciFunction f, int reg, int size, long value) {
        RequesterId r = f.requesterId();
        ecamWrite(r.bus(), r.device(), r.function(), reg, size, value);
    }

    public long cfgRead(PciFunction f, int reg, int size) {
        RequesterId r = f.requesterId();
        return ecamRead(r.bus(), r.device(), r.function(), reg, size);
    }

    /** Programs BAR {@code index} (a dword, or two for 64-bit) and sets Command.MEM|BME. */
    public void assignBar(PciFunction f, int index, long address) {
        cfgWrite(f, 0x10 + 4 * index, 4, address & 0xFFFF_FFFFL);
        if (f.bar(index).kind() == dev.vplat.pci.sdk.BarKind.MEMORY64) {
            cfgWrite(f, 0x14 + 4 * index, 4, address >>> 32);
        }
        cfgWrite(f, 0x04, 2, cfgRead(f, 0x04, 2) | 0x6);
    }

    /** Programs a bridge's primary/secondary/subordinate bus numbers. */
    public void busNumbers(PciBridge b, int primary, int secondary, int subordinate) {
        cfgWrite(b, 0x18, 4, primary | (secondary << 8) | (subordinate << 16));
    }

    public boolean traced(String fragment) {
        return trace.tail().stream().anyMatch(l -> l.contains(fragment));
    }
}
