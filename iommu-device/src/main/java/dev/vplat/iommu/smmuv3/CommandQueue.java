package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.memory.GuestMemory;

/**
 * Consumes the command queue (IHI 0070 §3.5, §4, §7.1) synchronously: a CMDQ_PROD write, CMDQEN
 * becoming 1 or the acknowledgement of CMDQ_ERR run commands until the queue is empty. On an
 * error consumption stops with CONS.RD on the failing command, CONS.ERR holds the code and only
 * then GERROR.CMDQ_ERR activates; nothing more is consumed until software acknowledges it in
 * GERRORN. Each step either advances CONS towards PROD or stops, so no register content can
 * make the loop spin.
 */
final class CommandQueue {
    private final SmmuV3Config config;
    private final SmmuRegisters regs;
    private final GuestMemory memory;
    private final SmmuInterrupts interrupts;
    private final CommandExecutor executor;
    private boolean running;
    private long consumed;

    CommandQueue(SmmuV3Config config, SmmuRegisters regs, GuestMemory memory, SmmuInterrupts interrupts,
                 CommandExecutor executor) {
        this.config = config;
        this.regs = regs;
        this.memory = memory;
        this.interrupts = interrupts;
        this.executor = executor;
    }

    /** Runs pending commands; a nested call (an MSI listener writing CMDQ_PROD) leaves it to the outer loop. */
    void process(boolean serviceFailed) {
        if (running || serviceFailed) {
            return;
        }
        running = true;
        try {
            while (regs.enabled(SmmuRegisters.CR0_CMDQEN) && !regs.gerrorActive(SmmuRegisters.GERROR_CMDQ_ERR)) {
                QueueGeometry q = QueueGeometry.of(regs.cmdqBase.value(), 19, 16);
                long cons = regs.cmdqCons.value();
                if (q.empty(regs.cmdqProd.value(), cons)) {
                    return;
                }
                long addr = q.slotAddress(cons);
                int error;
                if (addr >>> config.oasBits() != 0 || !memory.isRam(addr, 16)) {
                    error = CommandError.CERROR_ABT;
                } else {
                    error = executor.execute(memory.readRam(addr, 8), memory.readRam(addr + 8, 8));
                }
                if (error != CommandError.CERROR_NONE) {
                    regs.cmdqCons.set(cons & ~SmmuRegisters.CMDQ_CONS_ERR_MASK
                            | (long) error << SmmuRegisters.CMDQ_CONS_ERR_SHIFT);
                    interrupts.activateError(SmmuRegisters.GERROR_CMDQ_ERR);
                    return;
                }
                consumed++;
                regs.cmdqCons.set(cons & SmmuRegisters.CMDQ_CONS_ERR_MASK | q.next(cons));
            }
        } finally {
            running = false;
        }
    }

    long consumed() {
        return consumed;
    }
}
