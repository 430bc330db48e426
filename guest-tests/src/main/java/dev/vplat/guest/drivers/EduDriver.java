package dev.vplat.guest.drivers;

import dev.vplat.guest.pci.MsiCap;
import dev.vplat.guest.pci.PciDev;
import dev.vplat.guest.pci.PciRegs;

/**
 * A driver for QEMU's {@code edu} device (docs/devices/edu.md, QEMU docs/specs/edu.rst) through
 * its BAR0: identification, the liveness check, the factorial unit, interrupts (INTx or MSI) and
 * the DMA engine. A DMA completes 100 ms of virtual time after it starts, so {@link #dma} steps
 * the clock the way a guest's timer would let it pass.
 */
public final class EduDriver extends PciFunctionDriver {
    public static final int VENDOR = 0x1234, DEVICE = 0x11E8;
    public static final int REG_ID = 0x00, REG_LIVENESS = 0x04, REG_FACTORIAL = 0x08, REG_STATUS = 0x20,
            REG_IRQ_STATUS = 0x24, REG_IRQ_RAISE = 0x60, REG_IRQ_ACK = 0x64, REG_DMA_SRC = 0x80,
            REG_DMA_DST = 0x88, REG_DMA_COUNT = 0x90, REG_DMA_CMD = 0x98;
    public static final int STATUS_COMPUTING = 1, STATUS_IRQ_ON_FACTORIAL = 0x80;
    public static final int DMA_START = 1, DMA_TO_RAM = 2, DMA_IRQ = 4;
    /** Device-side DMA buffer: 4 KiB at device address 0x40000. */
    public static final long BUFFER = 0x40000, BUFFER_SIZE = 4096;
    /** Interrupt status bits the device raises itself. */
    public static final int IRQ_FACTORIAL = 0x1, IRQ_DMA = 0x100;
    /** QEMU's edu completes a DMA on a timer 100 ms (virtual) after the command. */
    public static final long DMA_DELAY_NS = 100_000_000L;

    public EduDriver(PciDev dev) {
        super(dev, VENDOR, DEVICE, "an edu device");
    }

    /** Enables memory decoding and bus mastering (BAR0 must be assigned). */
    public void probe() {
        dev.enable();
    }

    /** The identification register: 0x010000ED (major 1, minor 0, 0xED). */
    public int id() {
        return dev.barReadl(0, REG_ID);
    }

    /** Writes {@code value} to the liveness register and returns what it reads back (the complement). */
    public int liveness(int value) {
        dev.barWritel(0, REG_LIVENESS, value);
        return dev.barReadl(0, REG_LIVENESS);
    }

    /** Computes n! (mod 2^32) on the device, polling the computing bit. */
    public int factorial(int n) {
        dev.barWritel(0, REG_FACTORIAL, n);
        for (int i = 0; i < VtdDriver.POLL_LIMIT; i++) {
            if ((dev.barReadl(0, REG_STATUS) & STATUS_COMPUTING) == 0) {
                return dev.barReadl(0, REG_FACTORIAL);
            }
            guest.clockStep();
        }
        throw new IllegalStateException("edu factorial did not finish");
    }

    /** Raises interrupt status bits by hand (register 0x60). */
    public void raise(int bits) {
        dev.barWritel(0, REG_IRQ_RAISE, bits);
    }

    public int interruptStatus() {
        return dev.barReadl(0, REG_IRQ_STATUS);
    }

    public void acknowledge(int bits) {
        dev.barWritel(0, REG_IRQ_ACK, bits);
    }

    /** Programs the device's MSI capability with one vector (INTx goes off, as Linux does). */
    public void enableMsi(long address, int data) {
        MsiCap msi = dev.msi().orElseThrow(() -> new IllegalStateException("edu without an MSI capability"));
        msi.enable(address, data, 1);
    }

    /** Leaves MSI off and INTx enabled (Command.InterruptDisable clear). */
    public void useIntx() {
        dev.commandClear(PciRegs.COMMAND_INTX_DISABLE);
    }

    /**
     * Copies {@code count} bytes between RAM at bus address {@code ramAddress} (an IOVA when an
     * IOMMU translates the device) and the device buffer at {@code bufferOffset}, then advances
     * virtual time until the engine is idle. {@code toRam} false reads RAM into the buffer.
     */
    public void dma(long ramAddress, long bufferOffset, long count, boolean toRam, boolean interrupt) {
        start(ramAddress, bufferOffset, count, toRam, interrupt);
        guest.clockStep(DMA_DELAY_NS);
        awaitIdle();
    }

    /** Starts a DMA without waiting; see {@link #dma}. */
    public void start(long ramAddress, long bufferOffset, long count, boolean toRam, boolean interrupt) {
        if (bufferOffset < 0 || bufferOffset + count > BUFFER_SIZE) {
            throw new IllegalArgumentException("the edu buffer is 4 KiB");
        }
        long src = toRam ? BUFFER + bufferOffset : ramAddress;
        long dst = toRam ? ramAddress : BUFFER + bufferOffset;
        dev.barWriteq(0, REG_DMA_SRC, src);
        dev.barWriteq(0, REG_DMA_DST, dst);
        dev.barWriteq(0, REG_DMA_COUNT, count);
        dev.barWriteq(0, REG_DMA_CMD, DMA_START | (toRam ? DMA_TO_RAM : 0) | (interrupt ? DMA_IRQ : 0));
    }

    public boolean dmaBusy() {
        return (dev.barReadq(0, REG_DMA_CMD) & DMA_START) != 0;
    }

    private void awaitIdle() {
        for (int i = 0; i < VtdDriver.POLL_LIMIT && dmaBusy(); i++) {
            guest.clockStep();
        }
        if (dmaBusy()) {
            throw new IllegalStateException("edu DMA did not complete");
        }
    }
}
