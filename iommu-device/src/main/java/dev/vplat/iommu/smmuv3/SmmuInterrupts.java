package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.irq.InterruptController;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.regs.Register;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

/**
 * Interrupt signalling and global errors (IHI 0070 §6.3.19–6.3.23, §7.5).
 *
 * <p>With IDR0.MSI each source sends a 32-bit write of *_IRQ_CFG1 to *_IRQ_CFG0. A write to RAM
 * is a memory write (that is what Linux's MSI-polled CMD_SYNC relies on); any other address is
 * an interrupt doorbell and reaches {@link InterruptController#deliverMsi}. An address beyond
 * the output address size cannot be emitted and aborts, which activates the matching
 * GERROR.MSI_*_ABT_ERR. Without MSIs the sources are pulsed wired lines on the interrupt
 * controller, as QEMU's four SPIs: {@link #LINE_EVENTQ}, {@link #LINE_PRIQ},
 * {@link #LINE_CMD_SYNC}, {@link #LINE_GERROR} with requester ID -1.
 */
final class SmmuInterrupts {
    static final int LINE_EVENTQ = 1, LINE_PRIQ = 2, LINE_CMD_SYNC = 3, LINE_GERROR = 4;
    static final int WIRED_SOURCE = -1;

    private final SmmuV3Config config;
    private final SmmuRegisters regs;
    private final GuestMemory memory;
    private final InterruptController interrupts;
    private final Trace trace;
    private final String name;

    SmmuInterrupts(String name, SmmuV3Config config, SmmuRegisters regs, GuestMemory memory,
                   InterruptController interrupts, Trace trace) {
        this.name = name;
        this.config = config;
        this.regs = regs;
        this.memory = memory;
        this.interrupts = interrupts;
        this.trace = trace;
    }

    /** Signals a queue interrupt if IRQ_CTRL enables it; an aborted MSI activates {@code msiAbortBit}. */
    void signalQueue(long irqCtrlBit, Register cfg0, Register cfg1, int wiredLine, int msiAbortBit) {
        if (!regs.irqEnabled(irqCtrlBit)) {
            return;
        }
        if (!config.msi()) {
            pulse(wiredLine);
        } else if (!sendMsi(cfg0.value() & SmmuRegisters.IRQ_ADDR_MASK, (int) cfg1.value())) {
            activateError(msiAbortBit);
        }
    }

    /** CMD_SYNC with CS=SIG_IRQ (IHI 0070 §4.7.3): the command carries its own MSI address and data. */
    void signalSync(long msiAddress, int msiData) {
        if (!config.msi()) {
            pulse(LINE_CMD_SYNC);
        } else if (msiAddress != 0 && !sendMsi(msiAddress, msiData)) {
            activateError(SmmuRegisters.GERROR_MSI_CMDQ_ABT);
        }
    }

    /**
     * Activates a global error by toggling its GERROR bit, unless that error is already active
     * (a second error of the same kind is then lost, §7.5), and raises the GERROR interrupt.
     */
    void activateError(int bit) {
        if (regs.gerrorActive(bit)) {
            return;
        }
        regs.gerror.set(regs.gerror.value() ^ (1L << bit));
        trace.log(TraceCategory.IOMMU, name, "GERROR activates " + regs.gerror.fields().stream()
                .filter(f -> f.shift() == bit).findFirst().map(f -> f.name()).orElse("bit " + bit));
        if (bit == SmmuRegisters.GERROR_MSI_GERROR_ABT || !regs.irqEnabled(SmmuRegisters.IRQ_GERROR)) {
            return;
        }
        if (!config.msi()) {
            pulse(LINE_GERROR);
        } else if (!sendMsi(regs.gerrorIrqCfg0.value() & SmmuRegisters.IRQ_ADDR_MASK, (int) regs.gerrorIrqCfg1.value())) {
            activateError(SmmuRegisters.GERROR_MSI_GERROR_ABT);
        }
    }

    /** Returns false when the write aborts. An address of 0 disables the MSI (§6.3.21). */
    private boolean sendMsi(long address, int data) {
        if (address == 0) {
            return true;
        }
        if (address >>> config.oasBits() != 0) {
            return false;
        }
        if (memory.isRam(address, 4)) {
            memory.writeRam(address, 4, data & 0xFFFF_FFFFL);
        } else {
            interrupts.deliverMsi(new MsiMessage(address, data, -1));
        }
        return true;
    }

    private void pulse(int line) {
        interrupts.setIntx(WIRED_SOURCE, line, true);
        interrupts.setIntx(WIRED_SOURCE, line, false);
    }
}
