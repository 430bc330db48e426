package dev.vplat.vfio.vfio;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.EventFd;
import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.vfio.HostMsiRouter.HostVector;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.TreeMap;

/**
 * The interrupts of one vfio-pci device (drivers/vfio/pci/vfio_pci_intrs.c): at most one of
 * INTx, MSI and MSI-X is in use ({@code irq_type}), plus the ERR and REQ eventfds.
 *
 * <p>INTx is level-triggered and automasked: when the function raises its line VFIO masks it at
 * the device (Command.INTxDisable, the PCI 2.3 way) and signals the trigger eventfd; the user
 * unmasks with SET_IRQS ACTION_UNMASK, and if the device still asserts the line it fires again.
 * MSI and MSI-X vectors get host vectors from the {@link HostMsiRouter}; VFIO writes them into
 * the device's real MSI capability or MSI-X table, so the device's messages signal the eventfds.
 * MSI-X vectors can be added while MSI-X is enabled (dynamic allocation, as on x86); MSI vectors
 * are fixed at enable.
 */
final class VfioPciIrqs {
    static final int NONE = -1;

    private final PciFunction function;
    private final HostMsiRouter router;
    private final MsiAddressComposer composer;
    private final TreeMap<Integer, Vector> vectors = new TreeMap<>();
    private VfioPciConfig config;
    private int irqType = NONE;
    private EventFd intxTrigger;
    private boolean intxMasked;
    private HostVector[] msiBlock;
    private EventFd errTrigger;
    private EventFd reqTrigger;

    /** One enabled MSI/MSI-X vector: its host vector and the eventfd it signals. */
    private record Vector(HostVector host, EventFd trigger) { }

    VfioPciIrqs(PciFunction function, HostMsiRouter router, MsiAddressComposer composer) {
        this.function = function;
        this.router = router;
        this.composer = composer;
    }

    void open(VfioPciConfig cfg) {
        this.config = cfg;
    }

    int irqType() {
        return irqType;
    }

    boolean intxMasked() {
        return intxMasked;
    }

    /** vfio_pci_get_irq_count, read from the device's own config space. */
    int count(int index) {
        switch (index) {
            case VfioIoctl.PCI_INTX_IRQ_INDEX:
                return function.configRead(PciConfig.INTERRUPT_PIN, 1) != 0 ? 1 : 0;
            case VfioIoctl.PCI_MSI_IRQ_INDEX: {
                int cap = function.findCapability(PciConfig.CAP_ID_MSI);
                return cap == 0 ? 0 : 1 << ((function.configRead(cap + PciConfig.MSI_FLAGS, 2) & PciConfig.MSI_FLAGS_QMASK) >> 1);
            }
            case VfioIoctl.PCI_MSIX_IRQ_INDEX: {
                int cap = function.findCapability(PciConfig.CAP_ID_MSIX);
                return cap == 0 ? 0 : (int) (function.configRead(cap + PciConfig.MSIX_FLAGS, 2) & PciConfig.MSIX_FLAGS_QSIZE) + 1;
            }
            case VfioIoctl.PCI_ERR_IRQ_INDEX:
                return isPcie() ? 1 : 0;
            case VfioIoctl.PCI_REQ_IRQ_INDEX:
                return 1;
            default:
                return 0;
        }
    }

    boolean isPcie() {
        return function.findCapability(PciConfig.CAP_ID_EXP) != 0;
    }

    /**
     * vfio_pci_set_irqs_ioctl: picks the handler for index and action; a combination vfio-pci
     * does not implement (MSI masking, ERR on conventional PCI, MASK/UNMASK of ERR and REQ) is
     * ENOTTY. {@code data} holds count entries of the data type, already validated.
     */
    void set(Process process, int flags, int index, int start, int count, byte[] data) {
        int action = flags & VfioIoctl.IRQ_SET_ACTION_TYPE_MASK;
        switch (index) {
            case VfioIoctl.PCI_INTX_IRQ_INDEX -> {
                switch (action) {
                    case VfioIoctl.IRQ_SET_ACTION_MASK -> intxMaskAction(start, count, flags, data);
                    case VfioIoctl.IRQ_SET_ACTION_UNMASK -> intxUnmaskAction(start, count, flags, data);
                    case VfioIoctl.IRQ_SET_ACTION_TRIGGER -> intxTriggerAction(process, start, count, flags, data);
                    default -> throw notImplemented(index, flags);
                }
            }
            case VfioIoctl.PCI_MSI_IRQ_INDEX, VfioIoctl.PCI_MSIX_IRQ_INDEX -> {
                if (action != VfioIoctl.IRQ_SET_ACTION_TRIGGER) {
                    throw notImplemented(index, flags);
                }
                msiTrigger(process, index, start, count, flags, data);
            }
            case VfioIoctl.PCI_ERR_IRQ_INDEX -> {
                if (action != VfioIoctl.IRQ_SET_ACTION_TRIGGER || !isPcie()) {
                    throw notImplemented(index, flags);
                }
                if (start != 0 || count > 1) {
                    throw new ErrnoException(Errno.EINVAL, "ERR has exactly one vector");
                }
                errTrigger = triggerSingle(process, errTrigger, count, flags, data);
            }
            case VfioIoctl.PCI_REQ_IRQ_INDEX -> {
                if (action != VfioIoctl.IRQ_SET_ACTION_TRIGGER) {
                    throw notImplemented(index, flags);
                }
                if (start != 0 || count > 1) {
                    throw new ErrnoException(Errno.EINVAL, "REQ has exactly one vector");
                }
                reqTrigger = triggerSingle(process, reqTrigger, count, flags, data);
            }
            default -> throw notImplemented(index, flags);
        }
    }

    private static ErrnoException notImplemented(int index, int flags) {
        return new ErrnoException(Errno.ENOTTY, "vfio-pci: no SET_IRQS handler for index " + index + " flags 0x"
                + Integer.toHexString(flags));
    }

    // ---- INTx ----

    private void intxMaskAction(int start, int count, int flags, byte[] data) {
        if (irqType != VfioIoctl.PCI_INTX_IRQ_INDEX || start != 0 || count != 1) {
            throw new ErrnoException(Errno.EINVAL, "INTx mask needs INTx enabled, start 0, count 1");
        }
        if ((flags & VfioIoctl.IRQ_SET_DATA_EVENTFD) != 0) {
            throw new ErrnoException(Errno.ENOTTY, "INTx mask by eventfd is not implemented (vfio-pci neither)");
        }
        if ((flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0 || data[0] != 0) {
            intxMask();
        }
    }

    private void intxUnmaskAction(int start, int count, int flags, byte[] data) {
        if (irqType != VfioIoctl.PCI_INTX_IRQ_INDEX || start != 0 || count != 1) {
            throw new ErrnoException(Errno.EINVAL, "INTx unmask needs INTx enabled, start 0, count 1");
        }
        if ((flags & VfioIoctl.IRQ_SET_DATA_EVENTFD) != 0) {
            throw new ErrnoException(Errno.ENOTTY, "INTx unmask by eventfd (virqfd resampling) is not emulated");
        }
        if ((flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0 || data[0] != 0) {
            intxUnmask();
        }
    }

    /** vfio_pci_set_intx_trigger: count 0 with DATA_NONE disables; an eventfd enables or re-targets. */
    private void intxTriggerAction(Process process, int start, int count, int flags, byte[] data) {
        boolean intx = irqType == VfioIoctl.PCI_INTX_IRQ_INDEX;
        if (intx && count == 0 && (flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0) {
            intxDisable();
            return;
        }
        if (!(intx || irqType == NONE) || start != 0 || count != 1) {
            throw new ErrnoException(Errno.EINVAL, "INTx trigger: another interrupt type is enabled, or start/count not 0/1");
        }
        if ((flags & VfioIoctl.IRQ_SET_DATA_EVENTFD) != 0) {
            int fd = ints(data)[0];
            EventFd trigger = fd >= 0 ? eventFd(process, fd) : null;
            if (intx) {
                intxTrigger = trigger;
            } else {
                intxEnable(trigger);
            }
            return;
        }
        if (!intx) {
            throw new ErrnoException(Errno.EINVAL, "INTx is not enabled");
        }
        if (((flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0 || data[0] != 0) && intxTrigger != null) {
            intxTrigger.signal(1);
        }
    }

    /** vfio_intx_enable: starts masked if the user disabled INTx in the virtual command register. */
    private void intxEnable(EventFd trigger) {
        if (function.configRead(PciConfig.INTERRUPT_PIN, 1) == 0) {
            throw new ErrnoException(Errno.ENODEV, function.id() + " has no INTx pin");
        }
        irqType = VfioIoctl.PCI_INTX_IRQ_INDEX;
        intxTrigger = trigger;
        intxMasked = config.virtualIntxDisabled();
        router.onIntx(function.requesterId().value(), pin -> intxHandler());
        setHardwareIntxDisable(intxMasked);
    }

    private void intxDisable() {
        router.offIntx(function.requesterId().value());
        intxTrigger = null;
        intxMasked = false;
        irqType = NONE;
    }

    /** vfio_intx_handler: the line rose while unmasked, so mask it at the device and tell the user. */
    private void intxHandler() {
        if (irqType != VfioIoctl.PCI_INTX_IRQ_INDEX || intxMasked) {
            return;
        }
        intxMasked = true;
        setHardwareIntxDisable(true);
        if (intxTrigger != null) {
            intxTrigger.signal(1);
        }
    }

    /** vfio_pci_intx_mask. */
    void intxMask() {
        if (irqType == VfioIoctl.PCI_INTX_IRQ_INDEX && !intxMasked) {
            intxMasked = true;
            setHardwareIntxDisable(true);
        }
    }

    /**
     * vfio_pci_intx_unmask: the device line is let through again unless the user disabled INTx
     * in the virtual command register; a still-asserted line fires the handler at once.
     */
    void intxUnmask() {
        if (irqType == VfioIoctl.PCI_INTX_IRQ_INDEX && intxMasked && !config.virtualIntxDisabled()) {
            intxMasked = false;
            setHardwareIntxDisable(false);
        }
    }

    private void setHardwareIntxDisable(boolean disable) {
        long cmd = function.configRead(PciConfig.COMMAND, 2);
        long next = disable ? cmd | PciConfig.COMMAND_INTX_DISABLE : cmd & ~PciConfig.COMMAND_INTX_DISABLE;
        if (next != cmd) {
            function.configWrite(PciConfig.COMMAND, 2, next);
        }
    }

    // ---- MSI / MSI-X ----

    /** vfio_pci_set_msi_trigger. */
    private void msiTrigger(Process process, int index, int start, int count, int flags, byte[] data) {
        boolean msix = index == VfioIoctl.PCI_MSIX_IRQ_INDEX;
        if (irqType == index && count == 0 && (flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0) {
            msiDisable();
            return;
        }
        if (!(irqType == index || irqType == NONE)) {
            throw new ErrnoException(Errno.EINVAL, "another interrupt type is enabled");
        }
        if ((flags & VfioIoctl.IRQ_SET_DATA_EVENTFD) != 0) {
            int[] fds = ints(data);
            if (irqType == index) {
                setBlock(process, start, count, fds, msix);
                return;
            }
            msiEnable(start + count, msix);
            try {
                setBlock(process, start, count, fds, msix);
            } catch (ErrnoException e) {
                msiDisable();
                throw e;
            }
            return;
        }
        if (irqType != index) {
            throw new ErrnoException(Errno.EINVAL, (msix ? "MSI-X" : "MSI") + " is not enabled");
        }
        for (int i = start; i < start + count; i++) {
            Vector v = vectors.get(i);
            if (v != null && ((flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0 || data[i - start] != 0)) {
                v.trigger().signal(1);
            }
        }
    }

    /** vfio_msi_enable: MSI gets an aligned block of host vectors now, MSI-X per vector later. */
    private void msiEnable(int nvec, boolean msix) {
        if (msix) {
            int cap = function.findCapability(PciConfig.CAP_ID_MSIX);
            long flags = function.configRead(cap + PciConfig.MSIX_FLAGS, 2);
            function.configWrite(cap + PciConfig.MSIX_FLAGS, 2,
                    (flags | PciConfig.MSIX_FLAGS_ENABLE) & ~PciConfig.MSIX_FLAGS_MASKALL);
        } else {
            int block = Integer.highestOneBit(nvec * 2 - 1);
            msiBlock = router.allocate(block);
            programMsi(msiBlock[0], block);
            config.setMsiVectors(nvec);
        }
        setHardwareIntxDisable(true);
        irqType = msix ? VfioIoctl.PCI_MSIX_IRQ_INDEX : VfioIoctl.PCI_MSI_IRQ_INDEX;
    }

    /** The real MSI capability: address and data of the block's first vector, Multiple Message Enable, enable. */
    private void programMsi(HostVector first, int block) {
        int cap = function.findCapability(PciConfig.CAP_ID_MSI);
        long flags = function.configRead(cap + PciConfig.MSI_FLAGS, 2);
        boolean is64 = (flags & PciConfig.MSI_FLAGS_64BIT) != 0;
        long address = composer.deviceAddress(first.address());
        function.configWrite(cap + PciConfig.MSI_ADDRESS_LO, 4, address & 0xFFFF_FFFFL);
        if (is64) {
            function.configWrite(cap + 8, 4, address >>> 32);
        }
        function.configWrite(cap + (is64 ? 0x0C : 0x08), 2, first.data());
        int mme = Integer.numberOfTrailingZeros(block) << 4;
        function.configWrite(cap + PciConfig.MSI_FLAGS, 2,
                (flags & ~PciConfig.MSI_FLAGS_QSIZE) | mme | PciConfig.MSI_FLAGS_ENABLE);
    }

    /** vfio_msi_set_block: all or nothing. */
    private void setBlock(Process process, int start, int count, int[] fds, boolean msix) {
        int j = start;
        try {
            for (int i = 0; i < count; i++, j++) {
                setVectorSignal(process, j, fds[i], msix);
            }
        } catch (ErrnoException e) {
            for (int i = start; i < j; i++) {
                setVectorSignal(process, i, -1, msix);
            }
            throw e;
        }
    }

    /** vfio_msi_set_vector_signal: drops the vector's old eventfd, then routes the new one (fd &lt; 0: none). */
    private void setVectorSignal(Process process, int vector, int fd, boolean msix) {
        Vector old = vectors.remove(vector);
        if (old != null) {
            router.unroute(old.host());
            if (msix) {
                maskMsixEntry(vector);
                router.free(old.host());
            }
        }
        if (fd < 0) {
            return;
        }
        if (!msix && (msiBlock == null || vector >= msiBlock.length)) {
            throw new ErrnoException(Errno.EINVAL, "MSI vector " + vector + " was not allocated at enable");
        }
        EventFd trigger = eventFd(process, fd);
        HostVector host;
        if (msix) {
            host = router.allocate(1)[0];
            programMsixEntry(vector, host);
        } else {
            host = msiBlock[vector];
        }
        router.route(host, trigger);
        vectors.put(vector, new Vector(host, trigger));
    }

    /** vfio_msi_disable: every vector released, the capability disabled, INTx let through again. */
    private void msiDisable() {
        boolean msix = irqType == VfioIoctl.PCI_MSIX_IRQ_INDEX;
        for (Integer v : List.copyOf(vectors.keySet())) {
            Vector old = vectors.remove(v);
            router.unroute(old.host());
            if (msix) {
                maskMsixEntry(v);
                router.free(old.host());
            }
        }
        if (msix) {
            int cap = function.findCapability(PciConfig.CAP_ID_MSIX);
            long flags = function.configRead(cap + PciConfig.MSIX_FLAGS, 2);
            function.configWrite(cap + PciConfig.MSIX_FLAGS, 2, flags & ~PciConfig.MSIX_FLAGS_ENABLE);
        } else {
            int cap = function.findCapability(PciConfig.CAP_ID_MSI);
            long flags = function.configRead(cap + PciConfig.MSI_FLAGS, 2);
            function.configWrite(cap + PciConfig.MSI_FLAGS, 2, flags & ~PciConfig.MSI_FLAGS_ENABLE);
            for (HostVector h : msiBlock) {
                router.free(h);
            }
            msiBlock = null;
        }
        setHardwareIntxDisable(false);
        irqType = NONE;
    }

    private void programMsixEntry(int vector, HostVector host) {
        BarInfo table = msixTable();
        long entry = msixTableOffset() + (long) vector * PciConfig.MSIX_ENTRY_SIZE;
        long address = composer.deviceAddress(host.address());
        table.ops().write(entry, 4, address & 0xFFFF_FFFFL);
        table.ops().write(entry + 4, 4, address >>> 32);
        table.ops().write(entry + 8, 4, host.data() & 0xFFFF_FFFFL);
        table.ops().write(entry + 12, 4, 0);
    }

    private void maskMsixEntry(int vector) {
        long entry = msixTableOffset() + (long) vector * PciConfig.MSIX_ENTRY_SIZE;
        msixTable().ops().write(entry + 12, 4, PciConfig.MSIX_ENTRY_CTRL_MASKBIT);
    }

    private BarInfo msixTable() {
        int cap = function.findCapability(PciConfig.CAP_ID_MSIX);
        return function.bar((int) (function.configRead(cap + PciConfig.MSIX_TABLE, 4) & 0x7));
    }

    private long msixTableOffset() {
        int cap = function.findCapability(PciConfig.CAP_ID_MSIX);
        return function.configRead(cap + PciConfig.MSIX_TABLE, 4) & ~0x7L;
    }

    /** The MSI-X table's BAR index and byte range in it, or null without MSI-X: vfio keeps user region access out of it. */
    long[] msixTableRange() {
        int cap = function.findCapability(PciConfig.CAP_ID_MSIX);
        if (cap == 0) {
            return null;
        }
        int bir = (int) (function.configRead(cap + PciConfig.MSIX_TABLE, 4) & 0x7);
        long start = msixTableOffset();
        return new long[] {bir, start, start + (long) count(VfioIoctl.PCI_MSIX_IRQ_INDEX) * PciConfig.MSIX_ENTRY_SIZE};
    }

    // ---- ERR / REQ ----

    /**
     * vfio_pci_set_ctx_trigger_single: DATA_NONE signals (count 1) or drops (count 0) the
     * eventfd; BOOL signals; EVENTFD sets it (-1 drops it). Anything else, or BOOL/EVENTFD with
     * count 0, or DATA_NONE with no eventfd set, is EINVAL.
     */
    private EventFd triggerSingle(Process process, EventFd current, int count, int flags, byte[] data) {
        if ((flags & VfioIoctl.IRQ_SET_DATA_NONE) != 0) {
            if (current != null) {
                if (count != 0) {
                    current.signal(1);
                    return current;
                }
                return null;
            }
        } else if ((flags & VfioIoctl.IRQ_SET_DATA_BOOL) != 0) {
            if (count == 0) {
                throw new ErrnoException(Errno.EINVAL, "BOOL needs count 1");
            }
            if (data[0] != 0 && current != null) {
                current.signal(1);
            }
            return current;
        } else if ((flags & VfioIoctl.IRQ_SET_DATA_EVENTFD) != 0) {
            if (count == 0) {
                throw new ErrnoException(Errno.EINVAL, "EVENTFD needs count 1");
            }
            int fd = ints(data)[0];
            if (fd == -1) {
                return null;
            }
            return fd >= 0 ? eventFd(process, fd) : current;
        }
        throw new ErrnoException(Errno.EINVAL, "nothing to signal");
    }

    /** vfio_pci_core_request: the host wants the device back; returns whether a REQ eventfd was there to tell. */
    boolean request() {
        if (reqTrigger == null) {
            return false;
        }
        reqTrigger.signal(1);
        return true;
    }

    /** vfio_pci_core_close_device: every interrupt off, every eventfd dropped. */
    void release() {
        if (irqType == VfioIoctl.PCI_INTX_IRQ_INDEX) {
            intxDisable();
        } else if (irqType != NONE) {
            msiDisable();
        }
        errTrigger = null;
        reqTrigger = null;
    }

    /** eventfd_ctx_fdget: EBADF for a closed fd, EINVAL for a file that is not an eventfd. */
    private static EventFd eventFd(Process process, int fd) {
        OpenFile f = process.file(fd);
        if (f instanceof EventFd e) {
            return e;
        }
        throw new ErrnoException(Errno.EINVAL, "fd " + fd + " is not an eventfd");
    }

    private static int[] ints(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[data.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getInt();
        }
        return out;
    }
}
