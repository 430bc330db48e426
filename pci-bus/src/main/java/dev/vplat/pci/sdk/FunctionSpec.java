package dev.vplat.pci.sdk;

import dev.vplat.platform.memory.MmioOps;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The declaration of one PCI function: identity, BARs, expansion ROM, interrupt pin and
 * capabilities. Everything here becomes the reset state of the function's config space (type 0
 * header, PCI Local Bus spec §6.1).
 */
public final class FunctionSpec {
    private final int vendorId;
    private final int deviceId;
    private final int revision;
    private final int classCode;
    private final int subsystemVendorId;
    private final int subsystemId;
    private final int interruptPin;
    private final BarSpec[] bars;
    private final long romSize;
    private final MmioOps rom;
    private final List<CapabilitySpec> capabilities;

    private FunctionSpec(Builder b) {
        this.vendorId = b.vendorId;
        this.deviceId = b.deviceId;
        this.revision = b.revision;
        this.classCode = b.classCode;
        this.subsystemVendorId = b.subsystemVendorId;
        this.subsystemId = b.subsystemId;
        this.interruptPin = b.interruptPin;
        this.bars = b.bars.clone();
        this.romSize = b.romSize;
        this.rom = b.rom;
        this.capabilities = List.copyOf(b.capabilities);
    }

    /** Starts the declaration of a function with this vendor and device ID (vendor 0xFFFF is "absent"). */
    public static Builder builder(int vendorId, int deviceId) {
        return new Builder(vendorId, deviceId);
    }

    /** Vendor ID, config offset 0x00. */
    public int vendorId() {
        return vendorId;
    }

    /** Device ID, config offset 0x02. */
    public int deviceId() {
        return deviceId;
    }

    /** Revision ID, config offset 0x08. */
    public int revision() {
        return revision;
    }

    /** 24-bit class code: base class, sub-class, programming interface. */
    public int classCode() {
        return classCode;
    }

    /** Subsystem vendor ID, config offset 0x2C. */
    public int subsystemVendorId() {
        return subsystemVendorId;
    }

    /** Subsystem ID, config offset 0x2E. */
    public int subsystemId() {
        return subsystemId;
    }

    /** 0 = none, 1..4 = INTA..INTD. */
    public int interruptPin() {
        return interruptPin;
    }

    /** The BAR declared at {@code index} (0..5), or null. */
    public BarSpec bar(int index) {
        return bars[index];
    }

    /** Expansion ROM size in bytes, or 0 without a ROM. */
    public long romSize() {
        return romSize;
    }

    /** What the ROM reads as (offsets relative to the ROM), or null. */
    public MmioOps rom() {
        return rom;
    }

    /** The declared capabilities in declaration order (also the order of the capability lists). */
    public List<CapabilitySpec> capabilities() {
        return Collections.unmodifiableList(capabilities);
    }

    /** Whether a PCI Express capability is declared, making config space 4 KiB. */
    public boolean express() {
        return declaresExpress(capabilities);
    }

    private static boolean declaresExpress(List<CapabilitySpec> capabilities) {
        return capabilities.stream().anyMatch(c -> c instanceof CapabilitySpec.Pcie);
    }

    /** Fluent declaration; unset fields take the values QEMU gives (subsystem 1AF4:1100). */
    public static final class Builder {
        private final int vendorId;
        private final int deviceId;
        private int revision;
        private int classCode = 0xFF0000;
        private int subsystemVendorId = 0x1AF4;
        private int subsystemId = 0x1100;
        private int interruptPin;
        private final BarSpec[] bars = new BarSpec[6];
        private long romSize;
        private MmioOps rom;
        private final List<CapabilitySpec> capabilities = new ArrayList<>();

        private Builder(int vendorId, int deviceId) {
            if (vendorId < 0 || vendorId >= 0xFFFF || deviceId < 0 || deviceId > 0xFFFF) {
                throw new IllegalArgumentException("vendor must be 0..0xFFFE and device 0..0xFFFF");
            }
            this.vendorId = vendorId;
            this.deviceId = deviceId;
        }

        /** Revision ID (default 0). */
        public Builder revision(int value) {
            this.revision = value & 0xFF;
            return this;
        }

        /** 24-bit class code, e.g. 0x020000 for an Ethernet controller (default 0xFF0000, unassigned). */
        public Builder classCode(int value) {
            this.classCode = value & 0xFF_FFFF;
            return this;
        }

        /** Subsystem vendor and subsystem ID (default 1AF4:1100, as QEMU). */
        public Builder subsystem(int vendor, int id) {
            this.subsystemVendorId = vendor & 0xFFFF;
            this.subsystemId = id & 0xFFFF;
            return this;
        }

        /** 1..4 for INTA..INTD. */
        public Builder interruptPin(int pin) {
            if (pin < 0 || pin > 4) {
                throw new IllegalArgumentException("interrupt pin must be 0..4");
            }
            this.interruptPin = pin;
            return this;
        }

        /** Declares BAR {@code index}; a 64-bit BAR also takes {@code index + 1}. */
        public Builder bar(int index, BarSpec bar) {
            if (index < 0 || index > 5 || (bar.kind() == BarKind.MEMORY64 && index == 5)) {
                throw new IllegalArgumentException("BAR index " + index + " does not fit " + bar.kind());
            }
            if (bars[index] != null || (index > 0 && bars[index - 1] != null
                    && bars[index - 1].kind() == BarKind.MEMORY64)
                    || (bar.kind() == BarKind.MEMORY64 && bars[index + 1] != null)) {
                throw new IllegalArgumentException("BAR " + index + " overlaps another BAR");
            }
            bars[index] = bar;
            return this;
        }

        /** An expansion ROM of {@code size} bytes (power of two, at least 2 KiB). */
        public Builder rom(long size, MmioOps ops) {
            if (size < 2048 || Long.bitCount(size) != 1 || size > (1L << 24)) {
                throw new IllegalArgumentException("ROM size must be a power of two in 2 KiB..16 MiB");
            }
            this.romSize = size;
            this.rom = ops;
            return this;
        }

        /** Declares a capability with explicit placement; each kind at most once, vendor-specific ones excepted. */
        public Builder capability(CapabilitySpec capability) {
            for (CapabilitySpec c : capabilities) {
                if (c.getClass() == capability.getClass() && !capability.repeatable()) {
                    throw new IllegalArgumentException(capability.getClass().getSimpleName() + " declared twice");
                }
            }
            capabilities.add(capability);
            return this;
        }

        /** MSI with {@code vectors} messages (power of two, 1..32), placed automatically. */
        public Builder msi(int vectors, boolean address64, boolean perVectorMask) {
            return capability(new CapabilitySpec.Msi(vectors, address64, perVectorMask, 0));
        }

        /** MSI-X with its table and PBA in this function's memory BARs, placed automatically. */
        public Builder msix(int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset) {
            return capability(new CapabilitySpec.Msix(vectors, tableBar, tableOffset, pbaBar, pbaOffset, 0));
        }

        /** The PCI Express capability, making config space 4 KiB; {@code flr} = Function Level Reset capable. */
        public Builder pcie(PcieType type, boolean flr) {
            return capability(new CapabilitySpec.Pcie(type, flr, 0));
        }

        /** A vendor-specific capability holding {@code data} (read-only), placed automatically. */
        public Builder vendorSpecific(byte[] data) {
            return capability(new CapabilitySpec.VendorSpecific(data, 0));
        }

        /** A Vendor-Specific Extended Capability (needs {@link #pcie}), placed automatically. */
        public Builder vendorSpecificExtended(int vsecId, int revision, byte[] data) {
            return capability(new CapabilitySpec.VendorSpecificExtended(vsecId, revision, data, 0));
        }

        /** PCI Power Management (D0/D3hot). */
        public Builder powerManagement() {
            return capability(new CapabilitySpec.PowerManagement(0));
        }

        /** ACS with these capability bits (needs {@link #pcie}). */
        public Builder acs(int capabilityBits) {
            return capability(new CapabilitySpec.Acs(capabilityBits, 0));
        }

        /** ATS (needs {@link #pcie}). */
        public Builder ats() {
            return capability(new CapabilitySpec.Ats(0, 0));
        }

        /** PASID with Max PASID Width {@code width} (needs {@link #pcie}). */
        public Builder pasid(int width, boolean execute, boolean privileged) {
            return capability(new CapabilitySpec.Pasid(width, execute, privileged, 0));
        }

        /** PRI with this Outstanding Page Request Capacity (needs {@link #pcie}). */
        public Builder pri(int outstandingCapacity) {
            return capability(new CapabilitySpec.Pri(outstandingCapacity, 0));
        }

        /**
         * Checks the declaration as a whole — extended capabilities need PCIe, MSI-X table and
         * PBA must lie inside declared memory BARs — and builds it.
         */
        public FunctionSpec build() {
            for (CapabilitySpec c : capabilities) {
                if (c.extended() && !declaresExpress(capabilities)) {
                    throw new IllegalArgumentException("extended capabilities need a PCI Express capability");
                }
                if (c instanceof CapabilitySpec.Msix m) {
                    checkMsixBar(m.tableBar(), m.tableOffset(), 16L * m.vectors(), "table");
                    checkMsixBar(m.pbaBar(), m.pbaOffset(), 8L * ((m.vectors() + 63) / 64), "PBA");
                }
            }
            return new FunctionSpec(this);
        }

        private void checkMsixBar(int bar, long offset, long length, String what) {
            if (bar < 0 || bar > 5 || bars[bar] == null || bars[bar].kind() == BarKind.IO
                    || offset < 0 || offset + length > bars[bar].size()) {
                throw new IllegalArgumentException("MSI-X " + what + " must lie inside a memory BAR");
            }
        }
    }
}
