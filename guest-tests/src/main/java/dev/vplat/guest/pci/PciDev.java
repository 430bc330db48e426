package dev.vplat.guest.pci;

import dev.vplat.guest.client.VplatClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.vplat.guest.pci.PciRegs.*;

/**
 * One PCI function as a guest driver sees it, in the spirit of QEMU libqos's {@code QPCIDevice}:
 * config-space accessors, BAR sizing and mapping, command-register enables, capability lookup,
 * MSI and MSI-X programming, and BAR-relative register I/O that uses MMIO or port I/O as the BAR
 * says. Every step is the register sequence a kernel driver performs.
 */
public final class PciDev {
    private static final int MAX_CAPS = 48;

    private final VplatClient client;
    private final ConfigAccess config;
    private final Bdf bdf;
    private final Bar[] bars = new Bar[6];
    private final List<PciDev> children = new ArrayList<>();

    public PciDev(VplatClient client, ConfigAccess config, Bdf bdf) {
        this.client = client;
        this.config = config;
        this.bdf = bdf;
    }

    public Bdf bdf() {
        return bdf;
    }

    public VplatClient client() {
        return client;
    }

    // ---- config space ----

    public int configReadb(int offset) {
        return config.read(bdf, offset, 1) & 0xff;
    }

    public int configReadw(int offset) {
        return config.read(bdf, offset, 2) & 0xffff;
    }

    public int configReadl(int offset) {
        return config.read(bdf, offset, 4);
    }

    public void configWriteb(int offset, int value) {
        config.write(bdf, offset, 1, value);
    }

    public void configWritew(int offset, int value) {
        config.write(bdf, offset, 2, value);
    }

    public void configWritel(int offset, int value) {
        config.write(bdf, offset, 4, value);
    }

    public int vendorId() {
        return configReadw(VENDOR_ID);
    }

    public int deviceId() {
        return configReadw(DEVICE_ID);
    }

    /** The 24-bit class code (base class, sub-class, programming interface). */
    public int classCode() {
        return configReadl(REVISION_ID) >>> 8;
    }

    public int headerType() {
        return configReadb(HEADER_TYPE) & HEADER_TYPE_MASK;
    }

    public boolean isBridge() {
        return headerType() == HEADER_TYPE_BRIDGE;
    }

    /** The functions found below this bridge by enumeration (empty for endpoints). */
    public List<PciDev> children() {
        return List.copyOf(children);
    }

    void addChild(PciDev d) {
        children.add(d);
    }

    // ---- command register ----

    public int command() {
        return configReadw(COMMAND);
    }

    /** Sets {@code bits} in the Command register, leaving the others. */
    public void commandSet(int bits) {
        configWritew(COMMAND, command() | bits);
    }

    public void commandClear(int bits) {
        configWritew(COMMAND, command() & ~bits);
    }

    /** Enables decoding of the BAR kinds this function has, and bus mastering (libqos qpci_device_enable). */
    public void enable() {
        int bits = COMMAND_MASTER;
        for (Bar b : probeBars()) {
            bits |= b.isIo() ? COMMAND_IO : COMMAND_MEMORY;
        }
        commandSet(bits);
    }

    public void enableBusMaster() {
        commandSet(COMMAND_MASTER);
    }

    // ---- BARs ----

    /** Number of BAR slots of this header type: 6 for endpoints, 2 for bridges. */
    public int barSlots() {
        return isBridge() ? 2 : 6;
    }

    /**
     * Sizes BAR {@code index} by writing all-ones and reading back the mask (decode is switched
     * off meanwhile and the old value restored); empty if the slot is unimplemented.
     */
    public Optional<Bar> probeBar(int index) {
        if (bars[index] != null) {
            return Optional.of(bars[index]);
        }
        int reg = BASE_ADDRESS_0 + 4 * index;
        int cmd = command();
        configWritew(COMMAND, cmd & ~(COMMAND_IO | COMMAND_MEMORY));
        try {
            int low = configReadl(reg);
            configWritel(reg, 0xffff_ffff);
            int mask = configReadl(reg);
            configWritel(reg, low);
            if (mask == 0) {
                return Optional.empty();
            }
            Bar bar;
            if ((low & BAR_SPACE_IO) != 0) {
                long size = (~(mask & ~0x3L) + 1) & 0xffff;
                bar = new Bar(index, Bar.Kind.IO, false, size, low & ~0x3L & 0xffff_ffffL);
            } else if ((low & 0x6) == BAR_MEM_TYPE_64) {
                int high = configReadl(reg + 4);
                configWritel(reg + 4, 0xffff_ffff);
                long maskHigh = configReadl(reg + 4) & 0xffff_ffffL;
                configWritel(reg + 4, high);
                long mask64 = maskHigh << 32 | (mask & 0xffff_fff0L);
                bar = new Bar(index, Bar.Kind.MEM64, (low & BAR_MEM_PREFETCH) != 0, ~mask64 + 1,
                        (long) high << 32 | (low & 0xffff_fff0L));
            } else {
                long size = (~(mask & 0xffff_fff0L) + 1) & 0xffff_ffffL;
                bar = new Bar(index, Bar.Kind.MEM32, (low & BAR_MEM_PREFETCH) != 0, size, low & 0xffff_fff0L);
            }
            bars[index] = bar;
            return Optional.of(bar);
        } finally {
            configWritew(COMMAND, cmd);
        }
    }

    /** Every implemented BAR (a 64-bit BAR once, at its lower index). */
    public List<Bar> probeBars() {
        List<Bar> out = new ArrayList<>();
        for (int i = 0; i < barSlots(); i++) {
            Optional<Bar> b = probeBar(i);
            if (b.isPresent()) {
                out.add(b.get());
                if (b.get().kind() == Bar.Kind.MEM64) {
                    i++;
                }
            }
        }
        return out;
    }

    /** Programs BAR {@code index} with {@code address}. */
    public Bar setBar(int index, long address) {
        Bar bar = probeBar(index).orElseThrow(() -> new IllegalArgumentException(bdf + " has no BAR " + index));
        int reg = BASE_ADDRESS_0 + 4 * index;
        configWritel(reg, (int) address);
        if (bar.kind() == Bar.Kind.MEM64) {
            configWritel(reg + 4, (int) (address >>> 32));
        }
        bars[index] = bar.at(address);
        return bars[index];
    }

    /** Assigns BAR {@code index} from {@code allocator} (libqos qpci_iomap); the BAR with its address. */
    public Bar mapBar(int index, ResourceAllocator allocator) {
        Bar bar = probeBar(index).orElseThrow(() -> new IllegalArgumentException(bdf + " has no BAR " + index));
        long addr = bar.isIo() ? allocator.allocateIo(bar.size()) : allocator.allocateMmio(bar.size());
        return setBar(index, addr);
    }

    /** Assigns every BAR from {@code allocator}. */
    public List<Bar> mapBars(ResourceAllocator allocator) {
        List<Bar> out = new ArrayList<>();
        for (Bar b : probeBars()) {
            out.add(mapBar(b.index(), allocator));
        }
        return out;
    }

    /** BAR {@code index} as last probed or programmed. */
    public Bar bar(int index) {
        return probeBar(index).orElseThrow(() -> new IllegalArgumentException(bdf + " has no BAR " + index));
    }

    // ---- BAR-relative register I/O (libqos qpci_io_read*/write*) ----

    public long barRead(int index, long offset, int width) {
        Bar b = bar(index);
        return b.isIo() ? client.pioRead((int) (b.address() + offset), width) & 0xffff_ffffL
                : client.read(b.address() + offset, width);
    }

    public void barWrite(int index, long offset, int width, long value) {
        Bar b = bar(index);
        if (b.isIo()) {
            client.pioWrite((int) (b.address() + offset), width, (int) value);
        } else {
            client.write(b.address() + offset, width, value);
        }
    }

    public int barReadb(int index, long offset) {
        return (int) barRead(index, offset, 1);
    }

    public int barReadw(int index, long offset) {
        return (int) barRead(index, offset, 2);
    }

    public int barReadl(int index, long offset) {
        return (int) barRead(index, offset, 4);
    }

    public long barReadq(int index, long offset) {
        return barRead(index, offset, 8);
    }

    public void barWriteb(int index, long offset, int value) {
        barWrite(index, offset, 1, value);
    }

    public void barWritew(int index, long offset, int value) {
        barWrite(index, offset, 2, value);
    }

    public void barWritel(int index, long offset, int value) {
        barWrite(index, offset, 4, value);
    }

    public void barWriteq(int index, long offset, long value) {
        barWrite(index, offset, 8, value);
    }

    // ---- capabilities ----

    /** Offset of the first capability with {@code id}, or 0 (libqos qpci_find_capability). */
    public int findCapability(int id) {
        return findCapability(id, 0);
    }

    /** Offset of the next capability with {@code id} after the one at {@code start} (0: from the list head). */
    public int findCapability(int id, int start) {
        if ((configReadw(STATUS) & STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int off = start == 0 ? configReadb(CAPABILITY_LIST) : configReadb(start + 1);
        for (int n = 0; n < MAX_CAPS && off >= 0x40; n++) {
            off &= ~3;
            if (configReadb(off) == id) {
                return off;
            }
            off = configReadb(off + 1);
        }
        return 0;
    }

    /**
     * Offset of the extended capability with {@code id}, or 0. The list starts at 0x100 with
     * headers {@code id[15:0] version[19:16] next[31:20]} (PCIe 6.0 §7.6.3); it needs ECAM.
     */
    public int findExtendedCapability(int id) {
        if (config.reach() <= EXT_CAP_START) {
            throw new IllegalStateException("extended capabilities need ECAM, not " + config.getClass().getSimpleName());
        }
        int off = EXT_CAP_START;
        for (int n = 0; n < (4096 - EXT_CAP_START) / 4 && off >= EXT_CAP_START; n++) {
            int header = configReadl(off);
            if (header == 0 || header == -1) {
                return 0;
            }
            if ((header & 0xffff) == id) {
                return off;
            }
            off = (header >>> 20) & 0xffc;
        }
        return 0;
    }

    /** This function's MSI capability, if it has one. */
    public Optional<MsiCap> msi() {
        int off = findCapability(CAP_ID_MSI);
        return off == 0 ? Optional.empty() : Optional.of(new MsiCap(this, off));
    }

    /** This function's MSI-X capability, if it has one. */
    public Optional<MsixCap> msix() {
        int off = findCapability(CAP_ID_MSIX);
        return off == 0 ? Optional.empty() : Optional.of(new MsixCap(this, off));
    }

    @Override
    public String toString() {
        return String.format("%s [%04x:%04x]", bdf, vendorId(), deviceId());
    }
}
