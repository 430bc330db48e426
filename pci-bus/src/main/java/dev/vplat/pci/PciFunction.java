package dev.vplat.pci;

import dev.vplat.pci.config.ConfigSpace;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;
import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.CapabilitySpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.DeviceInterrupts;
import dev.vplat.pci.sdk.DmaPort;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PcieType;
import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.PropertyValues;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One PCI function as the bus and the host stack see it: its config space (with the access
 * masks and side effects of the PCI Local Bus spec §6), BARs, MSI/MSI-X, INTx, FLR, DMA port and
 * the device model behind it. Device models never get this object; they get a
 * {@link DeviceContext}.
 *
 * <p>Host-side API (what a kernel does): {@link #configRead}/{@link #configWrite} raw config
 * access, {@link #bars()} and {@link #bar(int)} BAR info with direct content access,
 * {@link #functionLevelReset()}, identity getters, {@link #requesterId()} and
 * {@link #upstreamRequesterId()} (the RID its DMA carries at the root complex).
 */
public class PciFunction {
    private final PciHost host;
    private final PciBus bus;
    private final int devfn;
    private final String id;
    private final String typeName;
    private final PciDevice device;
    private final PropertyValues properties;
    private final Trace trace;
    private final FunctionSpec spec;
    private final ConfigSpace cfg;
    private final Bar[] bars = new Bar[7];
    private final FunctionDmaPort dma;
    private MsiCapability msi;
    private MsixCapability msix;
    private PcieType pcieType;
    private int pcieCap;
    private int pasidCap;
    private int priCap;
    private boolean intxLevel;
    private int intxAssertedRid = -1;
    private boolean fenced;

    PciFunction(PciHost host, PciBus bus, int devfn, String id, String typeName, PciDevice device,
                PropertyValues properties, int headerType) {
        this.host = host;
        this.bus = bus;
        this.devfn = devfn;
        this.id = id;
        this.typeName = typeName;
        this.device = device;
        this.properties = properties;
        this.trace = host.machine().trace();
        this.dma = new FunctionDmaPort(this, host);
        FunctionSpec declared;
        try {
            declared = device.realize(new Context());
        } catch (RuntimeException e) {
            throw new ConfigException(id + " (" + typeName + "): realize failed: " + e.getMessage(), e);
        }
        this.spec = declared;
        this.cfg = new ConfigSpace(spec.express() ? ConfigSpace.PCIE_SIZE : ConfigSpace.PCI_SIZE);
        layoutHeader(headerType);
        layoutCapabilities(bus.root());
        cfg.snapshotReset();
    }

    // ---------------------------------------------------------------- layout

    private void layoutHeader(int headerType) {
        cfg.set16(PciConfig.VENDOR_ID, spec.vendorId());
        cfg.set16(PciConfig.DEVICE_ID, spec.deviceId());
        cfg.set8(PciConfig.REVISION_ID, spec.revision());
        cfg.set(PciConfig.CLASS_PROG, 3, spec.classCode());
        cfg.set8(PciConfig.HEADER_TYPE, headerType);
        cfg.rw(PciConfig.COMMAND, 2, PciConfig.COMMAND_IO | PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_MASTER
                | PciConfig.COMMAND_PARITY | PciConfig.COMMAND_SERR | PciConfig.COMMAND_INTX_DISABLE);
        cfg.w1c(PciConfig.STATUS, 2, PciConfig.STATUS_W1C);
        cfg.rw(PciConfig.CACHE_LINE_SIZE, 1, 0xFF);
        cfg.rw(PciConfig.LATENCY_TIMER, 1, 0xFF);
        cfg.rw(PciConfig.INTERRUPT_LINE, 1, 0xFF);
        cfg.set8(PciConfig.INTERRUPT_PIN, spec.interruptPin());
        if (headerType != PciConfig.HEADER_TYPE_NORMAL) {
            return;
        }
        cfg.set16(PciConfig.SUBSYSTEM_VENDOR_ID, spec.subsystemVendorId());
        cfg.set16(PciConfig.SUBSYSTEM_ID, spec.subsystemId());
        for (int i = 0; i < 6; i++) {
            BarSpec b = spec.bar(i);
            if (b != null) {
                bars[i] = new Bar(i, PciConfig.BAR0 + 4 * i, b.kind(), b.prefetchable(), b.size(),
                        id + ".bar" + i, b.rules(), barOps(i, b.ops()));
                bars[i].layout(cfg);
            }
        }
        if (spec.rom() != null) {
            bars[BarInfo.ROM_INDEX] = new Bar(BarInfo.ROM_INDEX, PciConfig.ROM_ADDRESS, BarKind.MEMORY32, false,
                    spec.romSize(), id + ".rom", AccessRules.ANY, readOnly(fenced(spec.rom())));
            bars[BarInfo.ROM_INDEX].layout(cfg);
        }
    }

    private void layoutCapabilities(boolean onRootBus) {
        CapabilityLayout layout = new CapabilityLayout(cfg);
        for (CapabilitySpec c : spec.capabilities()) {
            if (c instanceof CapabilitySpec.Msi m) {
                int at = layout.addStandard(PciConfig.CAP_ID_MSI, MsiCapability.length(m.address64(), m.perVectorMask()), m.offset());
                msi = new MsiCapability(this, cfg, at, m.vectors(), m.address64(), m.perVectorMask());
                msi.layout();
            } else if (c instanceof CapabilitySpec.Msix m) {
                int at = layout.addStandard(PciConfig.CAP_ID_MSIX, MsixCapability.LENGTH, m.offset());
                msix = new MsixCapability(this, cfg, at, m.vectors(), m.tableBar(), m.tableOffset(), m.pbaBar(), m.pbaOffset());
                msix.layout();
            } else if (c instanceof CapabilitySpec.Pcie p) {
                pcieType = p.type() == PcieType.ENDPOINT && onRootBus ? PcieType.RC_INTEGRATED_ENDPOINT : p.type();
                pcieCap = layout.addStandard(PciConfig.CAP_ID_EXP, PciConfig.EXP_CAP_SIZE, p.offset());
                CapabilityLayout.pcie(cfg, pcieCap, pcieType, p.flr(), devfn >>> 3);
            } else if (c instanceof CapabilitySpec.PowerManagement p) {
                int at = layout.addStandard(PciConfig.CAP_ID_PM, 8, p.offset());
                CapabilityLayout.powerManagement(cfg, at);
            } else if (c instanceof CapabilitySpec.Acs a) {
                int at = layout.addExtended(PciConfig.EXT_CAP_ID_ACS, 8, a.offset());
                cfg.set16(at + PciConfig.ACS_CAP, a.capabilities() & 0x7F);
                cfg.rw(at + PciConfig.ACS_CTRL, 2, a.capabilities() & 0x7F);
            } else if (c instanceof CapabilitySpec.Ats a) {
                int at = layout.addExtended(PciConfig.EXT_CAP_ID_ATS, 8, a.offset());
                cfg.set16(at + PciConfig.ATS_CAP, (a.invalidateQueueDepth() & 0x1F) | 0x20);
                cfg.rw(at + PciConfig.ATS_CTRL, 2, PciConfig.ATS_CTRL_ENABLE | 0x1F);
            } else if (c instanceof CapabilitySpec.Pasid p) {
                pasidCap = layout.addExtended(PciConfig.EXT_CAP_ID_PASID, 8, p.offset());
                int caps = (p.execute() ? 0x2 : 0) | (p.privileged() ? 0x4 : 0);
                cfg.set16(pasidCap + PciConfig.PASID_CAP, caps | (p.width() << 8));
                cfg.rw(pasidCap + PciConfig.PASID_CTRL, 2, PciConfig.PASID_CTRL_ENABLE | caps);
            } else if (c instanceof CapabilitySpec.VendorSpecific v) {
                byte[] data = v.data();
                int at = layout.addStandard(PciConfig.CAP_ID_VNDR, 3 + data.length, v.offset());
                cfg.set8(at + 2, 3 + data.length);
                for (int i = 0; i < data.length; i++) {
                    cfg.set8(at + 3 + i, data[i] & 0xFF);
                }
            } else if (c instanceof CapabilitySpec.VendorSpecificExtended v) {
                byte[] data = v.data();
                int at = layout.addExtended(PciConfig.EXT_CAP_ID_VNDR, 8 + data.length, v.offset());
                cfg.set32(at + 4, v.vsecId() | ((long) v.revision() << 16) | ((long) (8 + data.length) << 20));
                for (int i = 0; i < data.length; i++) {
                    cfg.set8(at + 8 + i, data[i] & 0xFF);
                }
            } else if (c instanceof CapabilitySpec.Pri p) {
                priCap = layout.addExtended(PciConfig.EXT_CAP_ID_PRI, 0x10, p.offset());
                cfg.rw(priCap + PciConfig.PRI_CTRL, 2, PciConfig.PRI_CTRL_ENABLE | PciConfig.PRI_CTRL_RESET);
                cfg.set16(priCap + PciConfig.PRI_STATUS, PciConfig.PRI_STATUS_STOPPED);
                cfg.w1c(priCap + PciConfig.PRI_STATUS, 2, 0x3);
                cfg.set32(priCap + PciConfig.PRI_MAX_REQ, p.outstandingCapacity());
                cfg.rw(priCap + PciConfig.PRI_ALLOC_REQ, 4, 0xFFFF_FFFFL);
            }
        }
    }

    /** Declares the bridge-specific (type 1) writable registers; used by {@link PciBridge}. */
    final ConfigSpace configSpace() {
        return cfg;
    }

    // ---------------------------------------------------------------- identity

    public String id() {
        return id;
    }

    /** The device type name ({@code edu}, {@code dmatest}, {@code pcie-root-port}, ...). */
    public String typeName() {
        return typeName;
    }

    public PciBus bus() {
        return bus;
    }

    public int devfn() {
        return devfn;
    }

    /** The function's own requester ID: its bus's current number and its devfn. */
    public RequesterId requesterId() {
        return new RequesterId(bus.number(), devfn);
    }

    /**
     * The requester ID its DMA and MSIs carry when they reach the root complex: its own, unless a
     * PCIe-to-PCI bridge sits on the path, which takes ownership of the transaction and issues it
     * as (secondary bus, 00.0) (PCI Express to PCI/PCI-X Bridge spec §2.3; Linux
     * pci_for_each_dma_alias). The topmost such bridge wins.
     */
    public RequesterId upstreamRequesterId() {
        RequesterId rid = requesterId();
        for (PciBridge b = bus.bridge(); b != null; b = b.bus().bridge()) {
            if (b.kind() == PciBridge.Kind.PCIE_TO_PCI_BRIDGE) {
                rid = new RequesterId(b.secondaryBusNumber(), 0);
            }
        }
        return rid;
    }

    public int vendorId() {
        return cfg.get16(PciConfig.VENDOR_ID);
    }

    public int deviceId() {
        return cfg.get16(PciConfig.DEVICE_ID);
    }

    public int classCode() {
        return (int) cfg.read(PciConfig.CLASS_PROG, 3);
    }

    /** The PCIe device/port type as reported in config space, or null for a conventional PCI function. */
    public PcieType pcieType() {
        return pcieType;
    }

    public boolean multifunction() {
        return (cfg.get8(PciConfig.HEADER_TYPE) & PciConfig.HEADER_TYPE_MULTIFUNCTION) != 0;
    }

    void markMultifunction() {
        cfg.setInResetImage(PciConfig.HEADER_TYPE, 1, cfg.get8(PciConfig.HEADER_TYPE) | PciConfig.HEADER_TYPE_MULTIFUNCTION);
    }

    public int configSize() {
        return cfg.size();
    }

    /** Whether the function was fenced after its model threw; fenced functions stay fenced until unplugged. */
    public boolean fenced() {
        return fenced;
    }

    public boolean busMasterEnabled() {
        return (cfg.get16(PciConfig.COMMAND) & PciConfig.COMMAND_MASTER) != 0;
    }

    /** Offset of a standard capability, or 0 (Linux pci_find_capability). */
    public int findCapability(int capabilityId) {
        return cfg.findCapability(capabilityId);
    }

    /** Offset of an extended capability, or 0 (Linux pci_find_ext_capability). */
    public int findExtendedCapability(int capabilityId) {
        return cfg.findExtendedCapability(capabilityId);
    }

    // ---------------------------------------------------------------- config access

    /** Raw config read of 1, 2 or 4 bytes, as a kernel issues it; bytes past the config size read as ones. */
    public long configRead(int offset, int size) {
        return cfg.read(offset, size);
    }

    /** Raw config write through the access masks, with the hardware's side effects. */
    public void configWrite(int offset, int size, long value) {
        if (offset < 0 || offset + size > cfg.size()) {
            return;
        }
        cfg.write(offset, size, value);
        if (trace.on(TraceCategory.PCI)) {
            trace.line(TraceCategory.PCI, id, String.format(Locale.ROOT, "config write%d +0x%03x <- 0x%x",
                    size * 8, offset, value & ((1L << (8 * size)) - 1)));
        }
        afterConfigWrite(offset, size);
    }

    static boolean overlaps(int offset, int size, int start, int length) {
        return offset < start + length && start < offset + size;
    }

    /** Side effects of config writes; bridges add their own. */
    void afterConfigWrite(int offset, int size) {
        if (overlaps(offset, size, PciConfig.COMMAND, 2) || overlaps(offset, size, PciConfig.BAR0, 24)
                || overlaps(offset, size, PciConfig.ROM_ADDRESS, 4)) {
            updateMappings();
            updateIntxLine();
        }
        if (msi != null && overlaps(offset, size, msi.base(), msi.length())) {
            msi.configChanged();
        }
        if (msix != null && overlaps(offset, size, msix.base() + PciConfig.MSIX_FLAGS, 2)) {
            msix.deliverUnmaskedPending();
        }
        if (pcieCap != 0 && overlaps(offset, size, pcieCap + PciConfig.EXP_DEVCTL, 2)
                && (cfg.get16(pcieCap + PciConfig.EXP_DEVCTL) & PciConfig.EXP_DEVCTL_BCR_FLR) != 0) {
            cfg.setBits(pcieCap + PciConfig.EXP_DEVCTL, 2, PciConfig.EXP_DEVCTL_BCR_FLR, false);
            functionLevelReset();
        }
        if (priCap != 0 && overlaps(offset, size, priCap + PciConfig.PRI_CTRL, 2)) {
            int ctrl = cfg.get16(priCap + PciConfig.PRI_CTRL);
            cfg.setBits(priCap + PciConfig.PRI_CTRL, 2, PciConfig.PRI_CTRL_RESET, false);
            cfg.setBits(priCap + PciConfig.PRI_STATUS, 2, PciConfig.PRI_STATUS_STOPPED,
                    (ctrl & PciConfig.PRI_CTRL_ENABLE) == 0);
        }
    }

    /** Re-places every BAR region after a command or BAR change. */
    final void updateMappings() {
        for (Bar b : bars) {
            if (b == null) {
                continue;
            }
            boolean io = !b.rom() && b.kind() == BarKind.IO;
            if (b.remap(cfg, io ? host.machine().io().root() : host.machine().system().root())
                    && trace.on(TraceCategory.PCI)) {
                trace.line(TraceCategory.PCI, id, b.mappedAt() < 0
                        ? String.format(Locale.ROOT, "%s unmapped", b.region().name())
                        : String.format(Locale.ROOT, "%s mapped at 0x%x size 0x%x", b.region().name(), b.mappedAt(), b.size()));
            }
        }
    }

    // ---------------------------------------------------------------- BARs

    /** Every implemented BAR (and the ROM, index {@link BarInfo#ROM_INDEX}) in index order. */
    public List<BarInfo> bars() {
        List<BarInfo> out = new ArrayList<>();
        for (Bar b : bars) {
            if (b != null) {
                out.add(b.info(cfg));
            }
        }
        return out;
    }

    /** BAR {@code index}, or null when not implemented. */
    public BarInfo bar(int index) {
        Bar b = index >= 0 && index < bars.length ? bars[index] : null;
        return b == null ? null : b.info(cfg);
    }

    private MmioOps barOps(int index, MmioOps deviceOps) {
        MmioOps guarded = fenced(deviceOps);
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                MsixCapability x = msix;
                if (x != null) {
                    if (x.tableBar == index && offset >= x.tableOffset && offset < x.tableOffset + x.tableLength()) {
                        return x.readTable(offset - x.tableOffset, size);
                    }
                    if (x.pbaBar == index && offset >= x.pbaOffset && offset < x.pbaOffset + x.pbaLength()) {
                        return x.readPba(offset - x.pbaOffset, size);
                    }
                }
                return guarded.read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                MsixCapability x = msix;
                if (x != null) {
                    if (x.tableBar == index && offset >= x.tableOffset && offset < x.tableOffset + x.tableLength()) {
                        x.writeTable(offset - x.tableOffset, size, value);
                        return;
                    }
                    if (x.pbaBar == index && offset >= x.pbaOffset && offset < x.pbaOffset + x.pbaLength()) {
                        return;
                    }
                }
                guarded.write(offset, size, value);
            }
        };
    }

    private static MmioOps readOnly(MmioOps ops) {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return ops.read(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                // ROM: writes have no effect.
            }
        };
    }

    /** Wraps device ops so that a throwing model is fenced instead of taking the machine down. */
    private MmioOps fenced(MmioOps ops) {
        return new MmioOps() {
            @Override
            public long read(long offset, int size) {
                if (fenced) {
                    return ones(size);
                }
                try {
                    return ops.read(offset, size);
                } catch (RuntimeException e) {
                    fence("read" + size * 8 + String.format(Locale.ROOT, " +0x%x", offset), e);
                    return ones(size);
                }
            }

            @Override
            public void write(long offset, int size, long value) {
                if (fenced) {
                    return;
                }
                try {
                    ops.write(offset, size, value);
                } catch (RuntimeException e) {
                    fence("write" + size * 8 + String.format(Locale.ROOT, " +0x%x", offset), e);
                }
            }
        };
    }

    private static long ones(int size) {
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
    }

    private void guarded(String what, Runnable action) {
        if (fenced) {
            return;
        }
        try {
            action.run();
        } catch (RuntimeException e) {
            fence(what, e);
        }
    }

    private void fence(String what, RuntimeException e) {
        fenced = true;
        String why = "device model failed in " + what + " (" + e + ")";
        trace.log(TraceCategory.PCI, id, why + ": function fenced, its BARs now read all-ones and drop writes");
        if (trace.on(TraceCategory.DEVICE)) {
            trace.line(TraceCategory.DEVICE, id, "fenced after " + e);
        }
        host.fenced(this, why);
    }

    // ---------------------------------------------------------------- interrupts

    /** A memory write of an MSI/MSI-X message, issued on the function's DMA path. */
    final void sendMessage(long address, int data) {
        dma.sendMessage(address, data);
    }

    public boolean msiEnabled() {
        return msi != null && msi.enabled();
    }

    public boolean msixEnabled() {
        return msix != null && msix.enabled();
    }

    /** MSI-X table size, or 0 without MSI-X. */
    public int msixVectors() {
        return msix == null ? 0 : msix.vectors();
    }

    /** Whether vector {@code vector} is pending in the MSI Pending Bits (or the MSI-X PBA when enabled). */
    public boolean messagePending(int vector) {
        if (msix != null && msix.enabled()) {
            return msix.pending(vector);
        }
        return msi != null && msi.pending(vector);
    }

    final boolean notifyVector(int vector) {
        if (fenced) {
            return false;
        }
        if (msix != null && msix.enabled()) {
            return msix.send(vector);
        }
        if (msi != null && msi.enabled()) {
            return msi.send(vector);
        }
        return false;
    }

    final void setIntx(boolean level) {
        intxLevel = level;
        cfg.setBits(PciConfig.STATUS, 2, PciConfig.STATUS_INTERRUPT, level);
        updateIntxLine();
    }

    /** Drives the INTx wire: the device's level, unless Command.InterruptDisable is set (PCI spec §6.2.2). */
    private void updateIntxLine() {
        int pin = spec.interruptPin();
        boolean out = pin != 0 && intxLevel && (cfg.get16(PciConfig.COMMAND) & PciConfig.COMMAND_INTX_DISABLE) == 0;
        if (out && intxAssertedRid < 0) {
            intxAssertedRid = requesterId().value();
            host.machine().interrupts().setIntx(intxAssertedRid, pin, true);
        } else if (!out && intxAssertedRid >= 0) {
            host.machine().interrupts().setIntx(intxAssertedRid, pin, false);
            intxAssertedRid = -1;
        }
    }

    /** Whether this function currently drives its INTx wire. */
    public boolean intxAsserted() {
        return intxAssertedRid >= 0;
    }

    boolean pasidEnabled() {
        return pasidCap != 0 && (cfg.get16(pasidCap + PciConfig.PASID_CTRL) & PciConfig.PASID_CTRL_ENABLE) != 0;
    }

    // ---------------------------------------------------------------- reset

    /**
     * Function Level Reset (PCIe Base spec §6.6.2): config space returns to its reset values
     * (BARs, command, MSI/MSI-X), INTx is released, the model's reset hook runs.
     */
    public void functionLevelReset() {
        trace.log(TraceCategory.PCI, id, "function level reset");
        resetFunction();
    }

    void resetFunction() {
        cfg.reset();
        if (msix != null) {
            msix.reset();
        }
        intxLevel = false;
        updateMappings();
        updateIntxLine();
        guarded("reset", device::reset);
    }

    void unrealize() {
        for (Bar b : bars) {
            if (b != null) {
                b.unmap();
            }
        }
        guarded("unrealize", device::unrealize);
    }

    @Override
    public String toString() {
        return requesterId() + " " + id + " (" + typeName + ")";
    }

    // ---------------------------------------------------------------- device context

    /** The device's view; every call is checked against fencing. */
    private final class Context implements DeviceContext, DeviceInterrupts {
        @Override
        public String name() {
            return id;
        }

        @Override
        public PropertyValues properties() {
            return properties;
        }

        @Override
        public DmaPort dma() {
            return dma;
        }

        @Override
        public DeviceInterrupts interrupts() {
            return this;
        }

        @Override
        public Timer newTimer(String name, Runnable callback) {
            return host.machine().clock().newTimer(id + "." + name, () -> guarded("timer " + name, callback));
        }

        @Override
        public long now() {
            return host.machine().clock().now();
        }

        @Override
        public Trace trace() {
            return trace;
        }

        @Override
        public void log(String message) {
            trace.log(TraceCategory.DEVICE, id, message);
        }

        @Override
        public boolean notify(int vector) {
            return notifyVector(vector);
        }

        @Override
        public boolean msiEnabled() {
            return PciFunction.this.msiEnabled();
        }

        @Override
        public boolean msixEnabled() {
            return PciFunction.this.msixEnabled();
        }

        @Override
        public void setIntx(boolean asserted) {
            if (!fenced) {
                PciFunction.this.setIntx(asserted);
            }
        }
    }
}
