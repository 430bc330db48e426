package dev.vplat.vfio.vfio;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;
import dev.vplat.platform.memory.LittleEndian;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.Arrays;

/**
 * The config-space region of a vfio-pci device (drivers/vfio/pci/vfio_pci_config.c): a virtual
 * copy ({@code vconfig}) taken at first open, and per-bit permissions saying which bits are
 * virtualized (read and written in the copy) and which are writable (the rest of a write goes to
 * the device). As vfio-pci does:
 * <ul>
 * <li>BARs and the ROM BAR are fully virtual: the user runs the sizing protocol on the copy
 *     (all-ones reads back the size mask with the real type bits) and never moves the real
 *     BARs, which the host assigned;</li>
 * <li>Command.INTxDisable is virtual and drives VFIO's INTx masking; Memory/IO enable go to the
 *     device and are tracked in the copy, which gates BAR region access (EIO when off);</li>
 * <li>MSI flags, address and data are virtual: the user cannot program the real MSI message;
 *     the enable bit only sticks while VFIO has MSI set up, and Multiple Message Enable is capped
 *     at what SET_IRQS allocated; mask and pending bits reach the device;</li>
 * <li>the MSI-X capability, like every other capability without its own rules, is read from the
 *     device and read-only: VFIO alone enables MSI-X (SET_IRQS);</li>
 * <li>PCIe Device Control is writable except Phantom Functions, and writing Initiate FLR resets
 *     the function (FLR reads back 0); Device Control 2 is writable except ARI; PM Control is
 *     writable except the power state;</li>
 * <li>bytes outside every capability pass through raw (unassigned_perms).</li>
 * </ul>
 */
final class VfioPciConfig {
    /** Hooks into the rest of vfio-pci for the side effects of config writes. */
    interface Effects {
        /** Command.INTxDisable changed in the virtual copy (vdev->virq_disabled). */
        void virtualIntxDisable(boolean disabled);

        /** Whether VFIO has MSI (index 1) set up now. */
        boolean msiActive();

        /** The user wrote Initiate FLR on a function that supports it. */
        void functionReset();
    }

    private static final int MSIX_LENGTH = 12;
    private static final int PM_LENGTH = 8;
    private static final int EXP_DEVCTL_PHANTOM = 0x0200;
    private static final int EXP_DEVCTL_PAYLOAD = 0x00E0;
    private static final int EXP_DEVCTL_READRQ = 0x7000;
    private static final int EXP_DEVCTL2_ARI = 0x0020;

    private final PciFunction function;
    private final Effects effects;
    private final int size;
    private final byte[] vconfig;
    private final byte[] virt;
    private final byte[] write;
    private final boolean[] raw;
    private final int msiCap;
    private final int expCap;
    private int msiQmax;
    private boolean barDirty = true;

    VfioPciConfig(PciFunction function, Effects effects) {
        this.function = function;
        this.effects = effects;
        this.size = function.configSize();
        this.vconfig = new byte[size];
        for (int i = 0; i < size; i++) {
            vconfig[i] = (byte) function.configRead(i, 1);
        }
        this.virt = new byte[size];
        this.write = new byte[size];
        this.raw = new boolean[size];
        Arrays.fill(raw, PciConfig.INTERRUPT_PIN + 3, size, true);
        basicPerms();
        this.msiCap = function.findCapability(PciConfig.CAP_ID_MSI);
        this.expCap = function.findCapability(PciConfig.CAP_ID_EXP);
        capabilityPerms();
    }

    int size() {
        return size;
    }

    /** init_pci_cap_basic_perm. */
    private void basicPerms() {
        perm(PciConfig.VENDOR_ID, 4, 0xFFFF_FFFFL, 0);
        perm(PciConfig.COMMAND, 2, PciConfig.COMMAND_INTX_DISABLE, 0xFFFF);
        perm(PciConfig.STATUS, 2, PciConfig.STATUS_CAP_LIST, 0);
        perm(PciConfig.CACHE_LINE_SIZE, 1, 0, 0xFF);
        perm(PciConfig.LATENCY_TIMER, 1, 0, 0xFF);
        perm(0x0F, 1, 0, 0xFF);
        for (int i = 0; i < 6; i++) {
            perm(PciConfig.BAR0 + 4 * i, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        }
        perm(PciConfig.ROM_ADDRESS, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        perm(PciConfig.CAPABILITY_LIST, 1, 0xFF, 0);
        perm(PciConfig.INTERRUPT_LINE, 1, 0xFF, 0xFF);
        perm(PciConfig.INTERRUPT_PIN, 1, 0xFF, 0);
    }

    /** vfio_cap_init / vfio_ecap_init: every capability's bytes get its rules, read-only by default. */
    private void capabilityPerms() {
        int ptr = function.configRead(PciConfig.CAPABILITY_LIST, 1) == 0 ? 0
                : (int) function.configRead(PciConfig.CAPABILITY_LIST, 1) & 0xFC;
        for (int ttl = 48; ptr >= 0x40 && ttl > 0; ttl--) {
            int id = (int) function.configRead(ptr, 1);
            int len = switch (id) {
                case PciConfig.CAP_ID_MSI -> msiLength(ptr);
                case PciConfig.CAP_ID_MSIX -> MSIX_LENGTH;
                case PciConfig.CAP_ID_PM -> PM_LENGTH;
                case PciConfig.CAP_ID_EXP -> PciConfig.EXP_CAP_SIZE;
                default -> 2;
            };
            readOnly(ptr, len);
            perm(ptr + 1, 1, 0xFF, 0);
            if (id == PciConfig.CAP_ID_MSI) {
                msiPerms(ptr);
            } else if (id == PciConfig.CAP_ID_PM) {
                perm(ptr + PciConfig.PM_CTRL, 4, 0, ~PciConfig.PM_CTRL_STATE_MASK & 0xFFFF_FFFFL);
            } else if (id == PciConfig.CAP_ID_EXP) {
                perm(ptr + PciConfig.EXP_DEVCTL, 2, PciConfig.EXP_DEVCTL_BCR_FLR | EXP_DEVCTL_PAYLOAD | EXP_DEVCTL_READRQ,
                        ~EXP_DEVCTL_PHANTOM & 0xFFFF);
                perm(ptr + PciConfig.EXP_DEVCTL2, 2, 0, ~EXP_DEVCTL2_ARI & 0xFFFF);
            }
            ptr = (int) function.configRead(ptr + 1, 1) & 0xFC;
        }
        if (size <= 0x100) {
            return;
        }
        int ext = 0x100;
        for (int ttl = (size - 0x100) / 8; ext >= 0x100 && ttl > 0; ttl--) {
            long header = function.configRead(ext, 4);
            if (header == 0 || header == 0xFFFF_FFFFL) {
                break;
            }
            readOnly(ext, extLength((int) (header & 0xFFFF)));
            ext = (int) (header >>> 20) & 0xFFC;
        }
    }

    private static int extLength(int id) {
        return switch (id) {
            case PciConfig.EXT_CAP_ID_ACS, PciConfig.EXT_CAP_ID_ATS, PciConfig.EXT_CAP_ID_PASID -> 8;
            case PciConfig.EXT_CAP_ID_PRI -> 0x10;
            default -> 4;
        };
    }

    private int msiLength(int cap) {
        int flags = (int) function.configRead(cap + PciConfig.MSI_FLAGS, 2);
        return 10 + ((flags & PciConfig.MSI_FLAGS_64BIT) != 0 ? 4 : 0) + ((flags & PciConfig.MSI_FLAGS_MASKBIT) != 0 ? 10 : 0);
    }

    /** init_pci_cap_msi_perm. */
    private void msiPerms(int cap) {
        int flags = (int) function.configRead(cap + PciConfig.MSI_FLAGS, 2);
        boolean is64 = (flags & PciConfig.MSI_FLAGS_64BIT) != 0;
        perm(cap + PciConfig.MSI_FLAGS, 1, 0xFF, 0xFF);
        perm(cap + PciConfig.MSI_ADDRESS_LO, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        int data = cap + (is64 ? 0x0C : 0x08);
        if (is64) {
            perm(cap + 8, 4, 0xFFFF_FFFFL, 0xFFFF_FFFFL);
        }
        perm(data, 2, 0xFFFF, 0xFFFF);
        if ((flags & PciConfig.MSI_FLAGS_MASKBIT) != 0) {
            int mask = cap + (is64 ? 0x10 : 0x0C);
            perm(mask, 8, 0, 0xFFFF_FFFF_FFFF_FFFFL);
        }
    }

    private void readOnly(int offset, int length) {
        for (int i = offset; i < Math.min(size, offset + length); i++) {
            raw[i] = false;
            virt[i] = 0;
            write[i] = 0;
        }
    }

    private void perm(int offset, int length, long virtBits, long writeBits) {
        for (int i = 0; i < length && offset + i < size; i++) {
            raw[offset + i] = false;
            virt[offset + i] = (byte) (virtBits >>> (8 * i));
            write[offset + i] = (byte) (writeBits >>> (8 * i));
        }
    }

    // ---- access ----

    /**
     * vfio_pci_config_rw: the access is split into naturally aligned 4, 2 and 1 byte pieces;
     * anything outside config space is EFAULT.
     */
    byte[] read(long pos, int count) {
        checkRange(pos, count);
        byte[] out = new byte[count];
        int done = 0;
        while (done < count) {
            int at = (int) pos + done;
            int n = chunk(at, count - done);
            LittleEndian.store(readChunk(at, n), out, done, n);
            done += n;
        }
        return out;
    }

    int write(long pos, byte[] data) {
        checkRange(pos, data.length);
        int done = 0;
        while (done < data.length) {
            int at = (int) pos + done;
            int n = chunk(at, data.length - done);
            writeChunk(at, n, LittleEndian.load(data, done, n));
            done += n;
        }
        return done;
    }

    private void checkRange(long pos, int count) {
        if (pos < 0 || pos >= size || pos + count > size) {
            throw new ErrnoException(Errno.EFAULT, "config access [0x" + Long.toHexString(pos) + ", +" + count
                    + ") outside the " + size + "-byte config space");
        }
    }

    private static int chunk(int at, int remaining) {
        if (remaining >= 4 && at % 4 == 0) {
            return 4;
        }
        if (remaining >= 2 && at % 2 == 0) {
            return 2;
        }
        return 1;
    }

    /** vfio_default_config_read: virtual bits from the copy, the others from the device. */
    private long readChunk(int at, int n) {
        if (overlaps(at, n, PciConfig.BAR0, PciConfig.ROM_ADDRESS + 4 - PciConfig.BAR0)) {
            barFixup();
        }
        if (msiCap != 0 && overlaps(at, n, msiCap + PciConfig.MSI_FLAGS, 2)) {
            int flags = get16(msiCap + PciConfig.MSI_FLAGS);
            set16(msiCap + PciConfig.MSI_FLAGS, (flags & ~PciConfig.MSI_FLAGS_QMASK) | (msiQmax << 1));
        }
        long phys = function.configRead(at, n);
        long v = 0;
        for (int i = 0; i < n; i++) {
            int o = at + i;
            int hw = (int) (phys >>> (8 * i)) & 0xFF;
            int mask = raw[o] ? 0 : virt[o] & 0xFF;
            v |= (long) ((hw & ~mask) | (vconfig[o] & mask) & 0xFF) << (8 * i);
        }
        return v;
    }

    /**
     * vfio_default_config_write plus the per-capability write hooks: writable virtual bits go to
     * the copy, writable non-virtual bits to the device (read-modify-write of the whole piece).
     */
    private void writeChunk(int at, int n, long value) {
        int oldCommand = get16(PciConfig.COMMAND);
        long hwMask = 0;
        for (int i = 0; i < n; i++) {
            int o = at + i;
            int w = raw[o] ? 0xFF : write[o] & 0xFF;
            int vm = raw[o] ? 0 : virt[o] & 0xFF;
            int val = (int) (value >>> (8 * i)) & 0xFF;
            int vw = w & vm;
            vconfig[o] = (byte) ((vconfig[o] & ~vw) | (val & vw));
            hwMask |= (long) (w & ~vm & 0xFF) << (8 * i);
        }
        if (hwMask != 0) {
            long phys = function.configRead(at, n);
            function.configWrite(at, n, (phys & ~hwMask) | (value & hwMask));
        }
        if (overlaps(at, n, PciConfig.COMMAND, 2)) {
            commandWritten(oldCommand, at, n, value);
        }
        if (overlaps(at, n, PciConfig.BAR0, PciConfig.ROM_ADDRESS + 4 - PciConfig.BAR0)) {
            barDirty = true;
        }
        if (msiCap != 0 && overlaps(at, n, msiCap + PciConfig.MSI_FLAGS, 2)) {
            msiFlagsWritten();
        }
        if (expCap != 0 && overlaps(at, n, expCap + PciConfig.EXP_DEVCTL, 2)) {
            devctlWritten();
        }
    }

    /**
     * vfio_basic_config_write: the copy tracks Memory and I/O enable as written (that is what
     * region access checks), and a change of the virtual INTxDisable masks or unmasks INTx.
     */
    private void commandWritten(int oldCommand, int at, int n, long value) {
        int written = get16FromWrite(at, n, value, PciConfig.COMMAND);
        int mask = PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_IO;
        set16(PciConfig.COMMAND, (get16(PciConfig.COMMAND) & ~mask) | (written & mask));
        boolean was = (oldCommand & PciConfig.COMMAND_INTX_DISABLE) != 0;
        boolean now = (get16(PciConfig.COMMAND) & PciConfig.COMMAND_INTX_DISABLE) != 0;
        if (was != now) {
            effects.virtualIntxDisable(now);
        }
    }

    /** The 16-bit register at {@code reg} after a write of {@code n} bytes at {@code at}, merging unwritten bytes from the copy. */
    private int get16FromWrite(int at, int n, long value, int reg) {
        int v = 0;
        for (int i = 0; i < 2; i++) {
            int o = reg + i;
            int b = o >= at && o < at + n ? (int) (value >>> (8 * (o - at))) & 0xFF : vconfig[o] & 0xFF;
            v |= b << (8 * i);
        }
        return v;
    }

    /** vfio_msi_config_write: enable only while MSI is set up, QSIZE capped at msi_qmax, then written to the device. */
    private void msiFlagsWritten() {
        int flags = get16(msiCap + PciConfig.MSI_FLAGS);
        if (!effects.msiActive()) {
            flags &= ~PciConfig.MSI_FLAGS_ENABLE;
        }
        if (((flags & PciConfig.MSI_FLAGS_QSIZE) >> 4) > msiQmax) {
            flags = (flags & ~PciConfig.MSI_FLAGS_QSIZE) | (msiQmax << 4);
        }
        set16(msiCap + PciConfig.MSI_FLAGS, flags);
        function.configWrite(msiCap + PciConfig.MSI_FLAGS, 2, flags);
    }

    /** vfio_exp_config_write: FLR is virtual, always reads 0, and resets a function that has FLR. */
    private void devctlWritten() {
        int devctl = get16(expCap + PciConfig.EXP_DEVCTL);
        if ((devctl & PciConfig.EXP_DEVCTL_BCR_FLR) == 0) {
            return;
        }
        set16(expCap + PciConfig.EXP_DEVCTL, devctl & ~PciConfig.EXP_DEVCTL_BCR_FLR);
        if (hasFlr()) {
            effects.functionReset();
        }
    }

    boolean hasFlr() {
        return expCap != 0 && (function.configRead(expCap + PciConfig.EXP_DEVCAP, 4) & PciConfig.EXP_DEVCAP_FLR) != 0;
    }

    /**
     * vfio_bar_fixup: each virtual BAR keeps only the bits its size allows plus the real type
     * bits; a BAR the host did not assign reads as unimplemented (0); the ROM keeps its enable bit.
     */
    private void barFixup() {
        if (!barDirty) {
            return;
        }
        for (int i = 0; i < 6; i++) {
            int reg = PciConfig.BAR0 + 4 * i;
            BarInfo bar = function.bar(i);
            if (bar == null || bar.address() == 0) {
                set32(reg, 0);
                continue;
            }
            long mask = ~(bar.size() - 1);
            long flags = function.configRead(reg, 4) & (bar.kind() == BarKind.IO ? 0x3 : 0xF);
            set32(reg, (get32(reg) & mask & 0xFFFF_FFFFL) | flags);
            if (bar.kind() == BarKind.MEMORY64) {
                set32(reg + 4, get32(reg + 4) & (mask >>> 32));
                i++;
            }
        }
        BarInfo rom = function.bar(BarInfo.ROM_INDEX);
        if (rom != null && rom.address() != 0) {
            long mask = ~(rom.size() - 1) | PciConfig.ROM_ENABLE;
            set32(PciConfig.ROM_ADDRESS, get32(PciConfig.ROM_ADDRESS) & mask & 0xFFFF_FFFFL);
        } else {
            set32(PciConfig.ROM_ADDRESS, 0);
        }
        barDirty = false;
    }

    /** vdev->msi_qmax: set when SET_IRQS enables MSI with {@code vectors} vectors (fls(nvec*2-1)-1). */
    void setMsiVectors(int vectors) {
        msiQmax = 31 - Integer.numberOfLeadingZeros(vectors * 2 - 1);
    }

    int msiCapability() {
        return msiCap;
    }

    /** __vfio_pci_memory_enabled: Memory Space enable as the user last wrote it. */
    boolean memoryEnabled() {
        return (get16(PciConfig.COMMAND) & PciConfig.COMMAND_MEMORY) != 0;
    }

    boolean ioEnabled() {
        return (get16(PciConfig.COMMAND) & PciConfig.COMMAND_IO) != 0;
    }

    /** The virtual INTxDisable bit (vdev->virq_disabled). */
    boolean virtualIntxDisabled() {
        return (get16(PciConfig.COMMAND) & PciConfig.COMMAND_INTX_DISABLE) != 0;
    }

    private static boolean overlaps(int at, int n, int start, int length) {
        return at < start + length && start < at + n;
    }

    private int get16(int o) {
        return (vconfig[o] & 0xFF) | (vconfig[o + 1] & 0xFF) << 8;
    }

    private void set16(int o, int v) {
        vconfig[o] = (byte) v;
        vconfig[o + 1] = (byte) (v >>> 8);
    }

    private long get32(int o) {
        return (get16(o) & 0xFFFFL) | ((long) get16(o + 2) << 16);
    }

    private void set32(int o, long v) {
        set16(o, (int) v);
        set16(o + 2, (int) (v >>> 16));
    }
}
