package dev.vplat.guest.pci;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.VplatClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.vplat.guest.pci.PciRegs.*;

/**
 * The PCI hierarchy as a guest's firmware and kernel bring it up, over a guest-role session
 * (libqos's {@code QPCIBus}). {@link #enumerate()} walks bus 0 depth-first, numbering every
 * bridge's secondary and subordinate bus as it goes (so devices behind bridges become
 * reachable); {@link #assignResources()} sizes and places every BAR from a
 * {@link ResourceAllocator} and programs each bridge's I/O and memory windows around what lies
 * below it, as a BIOS does.
 *
 * <pre>{@code
 * GuestPci pci = GuestPci.ecam(guest);
 * pci.enumerate();
 * pci.assignResources();
 * PciDev edu = pci.device(Bdf.parse("0000:00:03.0")).orElseThrow();
 * edu.enable();
 * int id = edu.barReadl(0, 0x00);
 * }</pre>
 */
public final class GuestPci {
    /** Bridge memory windows are 1 MiB granular, I/O windows 4 KiB (PCI-to-PCI Bridge 1.2 §3.2.5). */
    public static final long BRIDGE_MEM_ALIGN = 1 << 20, BRIDGE_IO_ALIGN = 1 << 12;

    private final VplatClient client;
    private final ConfigAccess config;
    private final ResourceAllocator allocator;
    private final Map<Bdf, PciDev> devices = new LinkedHashMap<>();
    private final List<PciDev> rootBus = new ArrayList<>();
    private int nextBus;

    public GuestPci(VplatClient client, ConfigAccess config, ResourceAllocator allocator) {
        this.client = client;
        this.config = config;
        this.allocator = allocator;
    }

    /**
     * ECAM access at the base MACHINE_INFO reports, else q35's 0xB000_0000, with the q35
     * allocator windows.
     */
    public static GuestPci ecam(VplatClient client) {
        MachineInfo info = client.machineInfo();
        long base = info.ecamBase().orElse(EcamConfigAccess.Q35_ECAM_BASE);
        return new GuestPci(client, new EcamConfigAccess(client, base), ResourceAllocator.q35());
    }

    /** CF8/CFC access (x86 only; no extended config space). */
    public static GuestPci portIo(VplatClient client) {
        return new GuestPci(client, new PortIoConfigAccess(client), ResourceAllocator.q35());
    }

    public ConfigAccess config() {
        return config;
    }

    public ResourceAllocator allocator() {
        return allocator;
    }

    /** A function handle for {@code bdf} without enumerating (the caller knows it exists). */
    public PciDev at(Bdf bdf) {
        return devices.computeIfAbsent(bdf, b -> new PciDev(client, config, b));
    }

    /** Whether a function answers at {@code bdf} (Vendor ID not 0xFFFF). */
    public boolean present(Bdf bdf) {
        int vendor = config.read(bdf, VENDOR_ID, 2) & 0xffff;
        return vendor != 0xffff && vendor != 0;
    }

    /**
     * Scans from bus 0, programming bridge bus numbers depth-first: each bridge gets primary =
     * its bus, secondary = the next free number, subordinate = 0xFF while its subtree is
     * scanned, then the highest number used below it. Returns every function found, in scan order.
     */
    public List<PciDev> enumerate() {
        devices.clear();
        rootBus.clear();
        nextBus = 1;
        scanBus(0, rootBus);
        return List.copyOf(devices.values());
    }

    private void scanBus(int bus, List<PciDev> into) {
        for (int slot = 0; slot < 32; slot++) {
            Bdf fn0 = new Bdf(bus, slot, 0);
            if (!present(fn0)) {
                continue;
            }
            boolean multi = (config.read(fn0, HEADER_TYPE, 1) & HEADER_TYPE_MULTIFUNCTION) != 0;
            for (int fn = 0; fn < (multi ? 8 : 1); fn++) {
                Bdf bdf = new Bdf(bus, slot, fn);
                if (fn > 0 && !present(bdf)) {
                    continue;
                }
                PciDev dev = new PciDev(client, config, bdf);
                devices.put(bdf, dev);
                into.add(dev);
                if (dev.isBridge()) {
                    numberBridge(dev, bus);
                }
            }
        }
    }

    private void numberBridge(PciDev bridge, int bus) {
        int secondary = nextBus++;
        if (secondary > 255) {
            throw new IllegalStateException("out of bus numbers at " + bridge.bdf());
        }
        int latency = bridge.configReadl(PRIMARY_BUS) & 0xff00_0000;
        bridge.configWritel(PRIMARY_BUS, latency | 0xff << 16 | secondary << 8 | bus);
        List<PciDev> below = new ArrayList<>();
        scanBus(secondary, below);
        below.forEach(bridge::addChild);
        bridge.configWriteb(SUBORDINATE_BUS, nextBus - 1);
    }

    /** Functions found by the last {@link #enumerate()}. */
    public List<PciDev> devices() {
        return List.copyOf(devices.values());
    }

    public Optional<PciDev> device(Bdf bdf) {
        return Optional.ofNullable(devices.get(bdf));
    }

    /** The first function with this vendor and device ID. */
    public Optional<PciDev> find(int vendor, int device) {
        return devices.values().stream().filter(d -> d.vendorId() == vendor && d.deviceId() == device).findFirst();
    }

    /**
     * Assigns every BAR of every enumerated function and programs bridge windows. Decoding
     * stays off; drivers call {@link PciDev#enable()} for the functions they drive, and bridges
     * on the path get MEM/IO/BME here so that what lies below them is reachable.
     */
    public void assignResources() {
        for (PciDev d : rootBus) {
            assign(d);
        }
    }

    private void assign(PciDev dev) {
        if (!dev.isBridge()) {
            dev.mapBars(allocator);
            return;
        }
        dev.mapBars(allocator);
        long ioStart = allocator.alignIo(BRIDGE_IO_ALIGN);
        long memStart = allocator.alignMmio(BRIDGE_MEM_ALIGN);
        for (PciDev child : dev.children()) {
            assign(child);
        }
        long ioEnd = allocator.alignIo(BRIDGE_IO_ALIGN);
        long memEnd = allocator.alignMmio(BRIDGE_MEM_ALIGN);
        programIoWindow(dev, ioStart, ioEnd);
        programMemWindow(dev, memStart, memEnd);
        disablePrefetchableWindow(dev);
        dev.commandSet(COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER);
    }

    /** I/O Base/Limit hold address bits 15:12; base above limit means "no window". */
    private static void programIoWindow(PciDev bridge, long start, long end) {
        if (end == start) {
            bridge.configWriteb(IO_BASE, 0xf0);
            bridge.configWriteb(IO_LIMIT, 0x00);
            return;
        }
        bridge.configWriteb(IO_BASE, (int) (start >> 8) & 0xf0);
        bridge.configWriteb(IO_LIMIT, (int) ((end - 1) >> 8) & 0xf0);
        bridge.configWritew(IO_BASE_UPPER16, 0);
        bridge.configWritew(IO_LIMIT_UPPER16, 0);
    }

    /** Memory Base/Limit hold address bits 31:20. */
    private static void programMemWindow(PciDev bridge, long start, long end) {
        if (end == start) {
            bridge.configWritew(MEMORY_BASE, 0xfff0);
            bridge.configWritew(MEMORY_LIMIT, 0x0000);
            return;
        }
        bridge.configWritew(MEMORY_BASE, (int) (start >> 16) & 0xfff0);
        bridge.configWritew(MEMORY_LIMIT, (int) ((end - 1) >> 16) & 0xfff0);
    }

    /** Every BAR goes in the non-prefetchable window (legal for prefetchable BARs too). */
    private static void disablePrefetchableWindow(PciDev bridge) {
        bridge.configWritew(PREF_MEMORY_BASE, 0xfff0);
        bridge.configWritew(PREF_MEMORY_LIMIT, 0x0000);
        bridge.configWritel(PREF_BASE_UPPER32, 0);
        bridge.configWritel(PREF_LIMIT_UPPER32, 0);
    }
}
