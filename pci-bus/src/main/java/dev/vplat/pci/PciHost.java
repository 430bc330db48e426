package dev.vplat.pci;

import dev.vplat.pci.dma.DmaRouting;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertyValues;
import dev.vplat.platform.machine.Lifecycle;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PCI Express host bridge and the hierarchy below it, firmware-less as QEMU under
 * {@code -S -qtest}: every BAR and command register is zero and only bus 0 is reachable until
 * the guest numbers the bridges. The host bridge function itself sits at 00:00.0 (q35 MCH
 * identity 8086:29C0). Config space is reachable through ECAM in system memory and, on x86,
 * through 0xCF8/0xCFC in I/O space.
 *
 * <p>Register with the machine ({@code machine.add("pci", host)}) so system reset resets every
 * function. The host stack uses {@link #functions()}, {@link #function(RequesterId)},
 * {@link #groups()} and {@link #dmaRouting()}; host drivers keep their own binding records
 * (this layer has no notion of a bound driver).
 */
public final class PciHost implements Lifecycle {
    /** Vendor and device ID of QEMU's q35 host bridge (MCH). */
    public static final int HOST_BRIDGE_VENDOR = 0x8086;
    public static final int HOST_BRIDGE_DEVICE = 0x29C0;

    private final Machine machine;
    private final PciHostOptions options;
    private final DmaRouting routing = new DmaRouting();
    private final PciBus rootBus = new PciBus(null);
    private final Map<String, PciFunction> byId = new LinkedHashMap<>();
    private final PciFunction hostBridge;
    private final List<FenceListener> fenceListeners = new ArrayList<>();

    public PciHost(Machine machine, PciHostOptions options) {
        this.machine = machine;
        this.options = options;
        ConfigAccess access = new ConfigAccess(this);
        machine.addMmio("pcie-mmcfg", options.ecamBase(), (long) options.busCount() << 20,
                new AccessRules(0b1111, true, -1L), access.ecam());
        if (options.legacyPortIo()) {
            machine.io().root().add(access.addressPort(), 0xCF8, 0);
            machine.io().root().add(access.dataPort(), 0xCFC, 0);
        }
        hostBridge = add(rootBus, 0, "host-bridge", "q35-host-bridge", new HostBridgeModel(),
                new PropertySchema().resolve("q35-host-bridge", Map.of()));
    }

    /** The host bridge's own function; no behaviour beyond its identity. */
    private static final class HostBridgeModel implements PciDevice {
        @Override
        public FunctionSpec realize(DeviceContext context) {
            return FunctionSpec.builder(HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE).classCode(0x060000).build();
        }
    }

    public Machine machine() {
        return machine;
    }

    /** Registers {@code l} to hear of every function fenced from now on. */
    public void addFenceListener(FenceListener l) {
        fenceListeners.add(l);
    }

    /** A function of this host was fenced (called by the function). */
    void fenced(PciFunction f, String why) {
        for (FenceListener l : List.copyOf(fenceListeners)) {
            l.fenced(f, why);
        }
    }

    public PciHostOptions options() {
        return options;
    }

    /** Where IOMMU units claim requester IDs; identity for everything unclaimed. */
    public DmaRouting dmaRouting() {
        return routing;
    }

    public PciBus rootBus() {
        return rootBus;
    }

    public PciFunction hostBridge() {
        return hostBridge;
    }

    // ---------------------------------------------------------------- building the hierarchy

    /**
     * Plugs a device created from its {@code DeviceType} at its {@code addr} (first free slot
     * when empty) on the bus named by its {@code bus} property (a bridge id; root bus when empty).
     */
    public PciFunction plug(PciPlug plug, String id) {
        PciBus bus = busFor(plug.bus(), id);
        int devfn = devfn(plug.addr(), bus, id);
        return add(bus, devfn, id, plug.typeName(), plug.device(), plug.properties());
    }

    /** Adds a bridge of {@code kind} at {@code addr} on the bus below bridge {@code busId} ("" = root bus). */
    public PciBridge addBridge(PciBridge.Kind kind, String id, String busId, String addr, boolean acs) {
        PciBus bus = busFor(busId, id);
        int devfn = devfn(addr, bus, id);
        checkId(id);
        PciBridge b = new PciBridge(this, bus, devfn, id, kind, acs,
                new PropertySchema().resolve(kind.typeName(), Map.of()));
        bus.plug(devfn, b);
        byId.put(id, b);
        return b;
    }

    /** A root port on the root bus, with ACS (as QEMU's pcie-root-port). */
    public PciBridge addRootPort(String id, String addr) {
        return addBridge(PciBridge.Kind.ROOT_PORT, id, "", addr, true);
    }

    private PciFunction add(PciBus bus, int devfn, String id, String typeName, PciDevice device, PropertyValues props) {
        checkId(id);
        PciFunction f = new PciFunction(this, bus, devfn, id, typeName, device, props, 0);
        bus.plug(devfn, f);
        byId.put(id, f);
        if (machine.realized()) {
            f.resetFunction();
        }
        return f;
    }

    private void checkId(String id) {
        if (byId.containsKey(id)) {
            throw new ConfigException("a PCI function named '" + id + "' already exists");
        }
    }

    private PciBus busFor(String busId, String who) {
        if (busId == null || busId.isEmpty()) {
            return rootBus;
        }
        PciFunction f = byId.get(busId);
        if (!(f instanceof PciBridge b)) {
            throw new ConfigException(who + ": bus '" + busId + "' is not a bridge (known bridges: "
                    + String.join(", ", bridgeIds()) + ")");
        }
        return b.secondaryBus();
    }

    private List<String> bridgeIds() {
        List<String> ids = new ArrayList<>();
        for (PciFunction f : byId.values()) {
            if (f instanceof PciBridge) {
                ids.add(f.id());
            }
        }
        return ids;
    }

    private static int devfn(String addr, PciBus bus, String who) {
        if (addr == null || addr.isEmpty()) {
            int slot = bus.freeSlot(1);
            if (slot < 0) {
                throw new ConfigException(who + ": no free slot on the bus");
            }
            return slot << 3;
        }
        try {
            int dot = addr.indexOf('.');
            int dev = Integer.parseInt(dot < 0 ? addr : addr.substring(0, dot), 16);
            int fn = dot < 0 ? 0 : Integer.parseInt(addr.substring(dot + 1), 16);
            if (dev < 0 || dev > 31 || fn < 0 || fn > 7) {
                throw new NumberFormatException();
            }
            return (dev << 3) | fn;
        } catch (NumberFormatException e) {
            throw new ConfigException(who + ": addr '" + addr + "' is not DD.F (hex slot 0..1f, function 0..7)");
        }
    }

    // ---------------------------------------------------------------- routing config requests

    /**
     * The function a configuration request for {@code bus:devfn} reaches through the bridges'
     * programmed bus numbers, or null (the request ends in a master abort: all-ones).
     */
    public PciFunction resolve(int busNumber, int devfn) {
        PciBus bus = rootBus;
        for (int depth = 0; depth < 256; depth++) {
            if (bus.number() == busNumber) {
                return bus.decode(devfn);
            }
            PciBus next = null;
            for (PciFunction f : bus.functions()) {
                if (f instanceof PciBridge b && b.claims(busNumber) && b.secondaryBusNumber() > bus.number()) {
                    next = b.secondaryBus();
                    break;
                }
            }
            if (next == null) {
                return null;
            }
            bus = next;
        }
        return null;
    }

    public PciFunction function(RequesterId rid) {
        return resolve(rid.bus(), rid.devfn());
    }

    /** The function plugged under {@code id}, or null. */
    public PciFunction function(String id) {
        return byId.get(id);
    }

    long configRead(int busNumber, int devfn, int register, int size) {
        PciFunction f = resolve(busNumber, devfn);
        if (f == null || register + size > f.configSize()) {
            return (1L << (8 * size)) - 1;
        }
        return f.configRead(register, size);
    }

    void configWrite(int busNumber, int devfn, int register, int size, long value) {
        PciFunction f = resolve(busNumber, devfn);
        if (f == null) {
            if (machine.trace().on(TraceCategory.PCI)) {
                machine.trace().log(TraceCategory.PCI, "pci", String.format("config write to absent %02x:%02x.%x dropped",
                        busNumber, devfn >>> 3, devfn & 7));
            }
            return;
        }
        f.configWrite(register, size, value);
    }

    // ---------------------------------------------------------------- queries

    /** Every function in the hierarchy, depth first in devfn order (bridges before what is below them). */
    public List<PciFunction> functions() {
        List<PciFunction> out = new ArrayList<>();
        collect(rootBus, out);
        return Collections.unmodifiableList(out);
    }

    private static void collect(PciBus bus, List<PciFunction> out) {
        for (PciFunction f : bus.functions()) {
            out.add(f);
            if (f instanceof PciBridge b) {
                collect(b.secondaryBus(), out);
            }
        }
    }

    /** IOMMU groups as Linux forms them from the current config state (ACS controls included). */
    public List<PciGroup> groups() {
        return IommuGroups.compute(this);
    }

    /**
     * Enables ACS Source Validation, P2P Request/Completion Redirect and Upstream Forwarding on
     * every function that implements them, as Linux's pci_enable_acs does during enumeration
     * when an IOMMU is present. Call before {@link #groups()} to get the groups Linux would.
     */
    public void enableAcs() {
        for (PciFunction f : functions()) {
            IommuGroups.enableAcs(f);
        }
    }

    /** Whether a (translated) DMA write to {@code address} is an MSI on this host's doorbell. */
    boolean inMsiDoorbell(long address) {
        return options.msiDoorbellBase() >= 0 && address >= options.msiDoorbellBase()
                && address - options.msiDoorbellBase() < options.msiDoorbellSize();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void reset() {
        for (PciFunction f : functions()) {
            f.resetFunction();
        }
    }

    @Override
    public void unrealize() {
        for (PciFunction f : functions()) {
            f.unrealize();
        }
    }
}
