package dev.vplat.vfio.vfio;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioInfoCapHeader;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqSet;
import dev.vplat.vfio.uapi.VfioStructs.VfioRegionInfo;

/**
 * The vfio-pci device ops behind both kinds of device fd (drivers/vfio/pci/vfio_pci_core.c):
 * open and close of the device, the device ioctls, and region read/write at file offset
 * {@code index << 40}. First open resets the function (where it can), enables memory and I/O
 * decode and takes the virtual config copy; last close turns every interrupt off, stops bus
 * mastering and resets the function again, so the next user finds it clean.
 */
final class VfioPciDevice {
    private static final int INFO_MINSZ = Uapi.offsetOfEnd(VfioDeviceInfo.class, "numIrqs");
    private static final int REGION_MINSZ = Uapi.offsetOfEnd(VfioRegionInfo.class, "offset");
    private static final int IRQ_INFO_MINSZ = Uapi.offsetOfEnd(VfioIrqInfo.class, "count");
    private static final int IRQ_SET_MINSZ = Uapi.offsetOfEnd(VfioIrqSet.class, "count");
    private static final int CAP_HEADER_SIZE = Uapi.sizeOf(VfioInfoCapHeader.class);

    private final PciFunction function;
    private final VfioPciIrqs irqs;
    private VfioPciConfig config;

    VfioPciDevice(PciFunction function, HostMsiRouter router, MsiAddressComposer composer) {
        this.function = function;
        this.irqs = new VfioPciIrqs(function, router, composer);
    }

    PciFunction function() {
        return function;
    }

    VfioPciIrqs irqs() {
        return irqs;
    }

    /** vfio_pci_core_enable. */
    void open() {
        if (resetWorks()) {
            tryResetFunction();
        }
        long cmd = function.configRead(PciConfig.COMMAND, 2);
        function.configWrite(PciConfig.COMMAND, 2, (cmd | PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_IO)
                & ~PciConfig.COMMAND_INTX_DISABLE);
        config = new VfioPciConfig(function, new VfioPciConfig.Effects() {
            @Override
            public void virtualIntxDisable(boolean disabled) {
                if (disabled) {
                    irqs.intxMask();
                } else {
                    irqs.intxUnmask();
                }
            }

            @Override
            public boolean msiActive() {
                return irqs.irqType() == VfioIoctl.PCI_MSI_IRQ_INDEX;
            }

            @Override
            public void functionReset() {
                tryResetFunction();
            }
        });
        irqs.open(config);
    }

    /** vfio_pci_core_disable. */
    void close() {
        irqs.release();
        long cmd = function.configRead(PciConfig.COMMAND, 2);
        function.configWrite(PciConfig.COMMAND, 2, cmd & ~PciConfig.COMMAND_MASTER);
        if (resetWorks()) {
            tryResetFunction();
        }
        config = null;
    }

    /** reset_works: only PCIe FLR is modelled (no PM or secondary-bus reset). */
    boolean resetWorks() {
        int exp = function.findCapability(PciConfig.CAP_ID_EXP);
        return exp != 0 && (function.configRead(exp + PciConfig.EXP_DEVCAP, 4) & PciConfig.EXP_DEVCAP_FLR) != 0;
    }

    /**
     * pci_try_reset_function: pci_save_state, FLR, pci_restore_state. The host's BAR assignment,
     * command register, MSI and MSI-X setup (table included) survive; the device's own state
     * does not.
     */
    void tryResetFunction() {
        int size = Math.min(function.configSize(), 0x100);
        long[] saved = new long[size / 4];
        for (int i = 0; i < saved.length; i++) {
            saved[i] = function.configRead(i * 4, 4);
        }
        long[] msix = saveMsixTable();
        function.functionLevelReset();
        restoreMsixTable(msix);
        for (int i = saved.length - 1; i >= 1; i--) {
            function.configWrite(i * 4, 4, saved[i]);
        }
    }

    private long[] saveMsixTable() {
        long[] range = irqs.msixTableRange();
        if (range == null) {
            return new long[0];
        }
        BarInfo bar = function.bar((int) range[0]);
        long[] words = new long[(int) ((range[2] - range[1]) / 4)];
        for (int i = 0; i < words.length; i++) {
            words[i] = bar.ops().read(range[1] + 4L * i, 4);
        }
        return words;
    }

    private void restoreMsixTable(long[] words) {
        long[] range = irqs.msixTableRange();
        if (range == null) {
            return;
        }
        BarInfo bar = function.bar((int) range[0]);
        for (int i = 0; i < words.length; i++) {
            bar.ops().write(range[1] + 4L * i, 4, words[i]);
        }
    }

    /** vfio_pci_core_ioctl: the device ioctls; anything else is ENOTTY. */
    long ioctl(Process process, int request, long arg) {
        if (request == VfioIoctl.DEVICE_GET_INFO) {
            return getInfo(new UserStruct(process, arg));
        }
        if (request == VfioIoctl.DEVICE_GET_REGION_INFO) {
            return getRegionInfo(new UserStruct(process, arg));
        }
        if (request == VfioIoctl.DEVICE_GET_IRQ_INFO) {
            return getIrqInfo(new UserStruct(process, arg));
        }
        if (request == VfioIoctl.DEVICE_SET_IRQS) {
            return setIrqs(process, new UserStruct(process, arg));
        }
        if (request == VfioIoctl.DEVICE_RESET) {
            if (!resetWorks()) {
                throw new ErrnoException(Errno.EINVAL, function.id() + " cannot be reset (no FLR)");
            }
            tryResetFunction();
            return 0;
        }
        throw new ErrnoException(Errno.ENOTTY, "vfio-pci: inappropriate ioctl 0x" + Integer.toHexString(request));
    }

    private long getInfo(UserStruct u) {
        VfioDeviceInfo in = u.read(VfioDeviceInfo.class, INFO_MINSZ);
        u.requireArgsz(in.argsz(), INFO_MINSZ);
        int flags = VfioIoctl.DEVICE_FLAGS_PCI | (resetWorks() ? VfioIoctl.DEVICE_FLAGS_RESET : 0);
        u.respond(in.argsz(), new VfioDeviceInfo(in.argsz(), flags, VfioIoctl.PCI_NUM_REGIONS, VfioIoctl.PCI_NUM_IRQS,
                0, 0));
        return 0;
    }

    /**
     * vfio_pci_ioctl_get_region_info: BARs 0-5 (size 0, no flags when absent; MMIO BARs mmap-able,
     * the MSI-X BAR with the MSIX_MAPPABLE capability), ROM read-only, CONFIG; VGA only on VGA
     * devices (EINVAL otherwise, as vfio-pci does), any other index EINVAL.
     */
    private long getRegionInfo(UserStruct u) {
        VfioRegionInfo in = u.read(VfioRegionInfo.class, REGION_MINSZ);
        u.requireArgsz(in.argsz(), REGION_MINSZ);
        int index = in.index();
        long size;
        int flags;
        boolean msixCap = false;
        if (index == VfioIoctl.PCI_CONFIG_REGION_INDEX) {
            size = function.configSize();
            flags = VfioIoctl.REGION_INFO_FLAG_READ | VfioIoctl.REGION_INFO_FLAG_WRITE;
        } else if (index >= VfioIoctl.PCI_BAR0_REGION_INDEX && index <= VfioIoctl.PCI_BAR5_REGION_INDEX) {
            BarInfo bar = function.bar(index);
            size = bar == null ? 0 : bar.size();
            flags = 0;
            if (bar != null) {
                flags = VfioIoctl.REGION_INFO_FLAG_READ | VfioIoctl.REGION_INFO_FLAG_WRITE;
                if (bar.kind() != BarKind.IO) {
                    flags |= VfioIoctl.REGION_INFO_FLAG_MMAP;
                    long[] msix = irqs.msixTableRange();
                    msixCap = msix != null && msix[0] == index;
                }
            }
        } else if (index == VfioIoctl.PCI_ROM_REGION_INDEX) {
            BarInfo rom = function.bar(BarInfo.ROM_INDEX);
            size = rom == null ? 0 : rom.size();
            flags = rom == null ? 0 : VfioIoctl.REGION_INFO_FLAG_READ;
        } else if (index == VfioIoctl.PCI_VGA_REGION_INDEX) {
            throw new ErrnoException(Errno.EINVAL, function.id() + " is not a VGA device: no VGA region");
        } else {
            throw new ErrnoException(Errno.EINVAL, "no region " + Integer.toUnsignedString(index));
        }
        long offset = VfioIoctl.regionOffset(index);
        int argsz = in.argsz();
        int capOffset = 0;
        if (msixCap) {
            flags |= VfioIoctl.REGION_INFO_FLAG_CAPS;
            int total = Uapi.sizeOf(VfioRegionInfo.class) + CAP_HEADER_SIZE;
            if (Integer.toUnsignedLong(argsz) < total) {
                argsz = total;
            } else {
                u.writeAt(Uapi.sizeOf(VfioRegionInfo.class), Uapi.encode(new VfioInfoCapHeader(
                        (short) VfioIoctl.REGION_INFO_CAP_MSIX_MAPPABLE, (short) 1, 0)));
                capOffset = Uapi.sizeOf(VfioRegionInfo.class);
            }
        }
        u.respond(REGION_MINSZ, new VfioRegionInfo(argsz, flags, index, capOffset, size, offset));
        return 0;
    }

    /** vfio_pci_ioctl_get_irq_info: ERR exists only on PCIe functions; NORESIZE everywhere but INTx and (dynamic) MSI-X. */
    private long getIrqInfo(UserStruct u) {
        VfioIrqInfo in = u.read(VfioIrqInfo.class, IRQ_INFO_MINSZ);
        u.requireArgsz(in.argsz(), IRQ_INFO_MINSZ);
        int index = in.index();
        if (Integer.compareUnsigned(index, VfioIoctl.PCI_NUM_IRQS) >= 0
                || (index == VfioIoctl.PCI_ERR_IRQ_INDEX && !irqs.isPcie())) {
            throw new ErrnoException(Errno.EINVAL, "no IRQ index " + Integer.toUnsignedString(index));
        }
        int flags = VfioIoctl.IRQ_INFO_EVENTFD;
        if (index == VfioIoctl.PCI_INTX_IRQ_INDEX) {
            flags |= VfioIoctl.IRQ_INFO_MASKABLE | VfioIoctl.IRQ_INFO_AUTOMASKED;
        } else if (index != VfioIoctl.PCI_MSIX_IRQ_INDEX) {
            flags |= VfioIoctl.IRQ_INFO_NORESIZE;
        }
        u.respond(IRQ_INFO_MINSZ, new VfioIrqInfo(in.argsz(), flags, index, irqs.count(index)));
        return 0;
    }

    /**
     * vfio_pci_ioctl_set_irqs with vfio_set_irqs_validate_and_prepare: argsz, index, count
     * overflow and unknown flags, then start/count against the index's vectors, then exactly one
     * data type and enough argsz for its data (all EINVAL), then the handler.
     */
    private long setIrqs(Process process, UserStruct u) {
        VfioIrqSet hdr = u.read(VfioIrqSet.class, IRQ_SET_MINSZ);
        long argsz = Integer.toUnsignedLong(hdr.argsz());
        long start = Integer.toUnsignedLong(hdr.start());
        long count = Integer.toUnsignedLong(hdr.count());
        long max = irqs.count(hdr.index());
        if (argsz < IRQ_SET_MINSZ || Integer.compareUnsigned(hdr.index(), VfioIoctl.PCI_NUM_IRQS) >= 0
                || count >= 0xFFFF_FFFFL - start
                || (hdr.flags() & ~(VfioIoctl.IRQ_SET_DATA_TYPE_MASK | VfioIoctl.IRQ_SET_ACTION_TYPE_MASK)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "SET_IRQS: bad argsz, index, count or flags");
        }
        if (start >= max || start + count > max) {
            throw new ErrnoException(Errno.EINVAL, "SET_IRQS: vectors [" + start + ", " + (start + count)
                    + ") outside the " + max + " of index " + hdr.index());
        }
        int unit = switch (hdr.flags() & VfioIoctl.IRQ_SET_DATA_TYPE_MASK) {
            case VfioIoctl.IRQ_SET_DATA_NONE -> 0;
            case VfioIoctl.IRQ_SET_DATA_BOOL -> 1;
            case VfioIoctl.IRQ_SET_DATA_EVENTFD -> 4;
            default -> throw new ErrnoException(Errno.EINVAL, "SET_IRQS: exactly one data type is needed");
        };
        byte[] data = new byte[0];
        if (unit != 0) {
            if (argsz - IRQ_SET_MINSZ < count * unit) {
                throw new ErrnoException(Errno.EINVAL, "SET_IRQS: argsz too small for " + count + " entries");
            }
            data = u.readAt(IRQ_SET_MINSZ, (int) (count * unit));
        }
        irqs.set(process, hdr.flags(), hdr.index(), (int) start, (int) count, data);
        return 0;
    }

    // ---- regions ----

    /** vfio_pci_rw for reads. */
    byte[] read(long pos, int count) {
        int index = (int) (pos >>> VfioIoctl.PCI_OFFSET_SHIFT);
        long off = pos & ((1L << VfioIoctl.PCI_OFFSET_SHIFT) - 1);
        if (index == VfioIoctl.PCI_CONFIG_REGION_INDEX) {
            return config.read(off, count);
        }
        byte[] out = new byte[count];
        int n = barAccess(index, off, out, false);
        return n == count ? out : java.util.Arrays.copyOf(out, n);
    }

    /** vfio_pci_rw for writes; the ROM is read-only (EINVAL). */
    int write(long pos, byte[] data) {
        int index = (int) (pos >>> VfioIoctl.PCI_OFFSET_SHIFT);
        long off = pos & ((1L << VfioIoctl.PCI_OFFSET_SHIFT) - 1);
        if (index == VfioIoctl.PCI_CONFIG_REGION_INDEX) {
            return config.write(off, data);
        }
        if (index == VfioIoctl.PCI_ROM_REGION_INDEX) {
            throw new ErrnoException(Errno.EINVAL, "the ROM region is read-only");
        }
        return barAccess(index, off, data, true);
    }

    /**
     * vfio_pci_bar_rw + vfio_pci_core_do_io_rw: straight to the BAR's contents by offset in
     * naturally aligned 8/4/2/1-byte accesses; EINVAL for an absent BAR or an offset past its end
     * (the count is clipped at the end); EIO while Memory (or I/O) Space is disabled in the
     * virtual command register; the MSI-X table reads as ones and drops writes.
     */
    private int barAccess(int index, long off, byte[] buf, boolean write) {
        if (index < 0 || index >= VfioIoctl.PCI_NUM_REGIONS) {
            throw new ErrnoException(Errno.EINVAL, "no region " + index);
        }
        if (index == VfioIoctl.PCI_VGA_REGION_INDEX) {
            throw new ErrnoException(Errno.EINVAL, function.id() + " has no VGA region");
        }
        BarInfo bar = function.bar(index == VfioIoctl.PCI_ROM_REGION_INDEX ? BarInfo.ROM_INDEX : index);
        if (bar == null || bar.address() == 0) {
            throw new ErrnoException(Errno.EINVAL, "region " + index + " is not implemented");
        }
        if (off >= bar.size()) {
            throw new ErrnoException(Errno.EINVAL, "offset 0x" + Long.toHexString(off) + " past the end of region " + index);
        }
        boolean enabled = bar.kind() == BarKind.IO ? config.ioEnabled() : config.memoryEnabled();
        if (!enabled) {
            throw new ErrnoException(Errno.EIO, (bar.kind() == BarKind.IO ? "I/O" : "Memory")
                    + " Space is disabled in the command register");
        }
        int count = (int) Math.min(buf.length, bar.size() - off);
        long xStart = 0;
        long xEnd = 0;
        long[] msix = irqs.msixTableRange();
        if (msix != null && msix[0] == index) {
            xStart = msix[1];
            xEnd = msix[2];
        }
        int done = 0;
        while (done < count) {
            long at = off + done;
            long fillable = at < xStart ? Math.min(count - done, xStart - at) : at >= xEnd ? count - done : 0;
            int size = fillable >= 8 && at % 8 == 0 ? 8 : fillable >= 4 && at % 4 == 0 ? 4
                    : fillable >= 2 && at % 2 == 0 ? 2 : fillable > 0 ? 1 : 0;
            if (size == 0) {
                int filled = (int) Math.min(count - done, xEnd - at);
                if (!write) {
                    java.util.Arrays.fill(buf, done, done + filled, (byte) 0xFF);
                }
                done += filled;
                continue;
            }
            if (write) {
                long v = 0;
                for (int i = 0; i < size; i++) {
                    v |= (buf[done + i] & 0xFFL) << (8 * i);
                }
                bar.ops().write(at, size, v);
            } else {
                long v = bar.ops().read(at, size);
                for (int i = 0; i < size; i++) {
                    buf[done + i] = (byte) (v >>> (8 * i));
                }
            }
            done += size;
        }
        return count;
    }
}
