package dev.vplat.guest.drivers;

import dev.vplat.guest.pci.MsixCap;
import dev.vplat.guest.pci.PciDev;

/**
 * A driver for vplat's {@code dmatest} engine (docs/devices/dmatest.md): program SRC/DST/LEN/OP,
 * ring the doorbell, read RESULT, BYTES and FAULT_ADDR; completion by MSI-X vector 0. With the
 * default {@code delay_ns=0} an operation finishes inside the doorbell write; otherwise the
 * driver steps virtual time until RESULT leaves BUSY.
 */
public final class DmaTestDriver extends PciFunctionDriver {
    public static final int VENDOR = 0x1234, DEVICE = 0xDA7A;
    public static final int REG_ID = 0x00, REG_SRC = 0x08, REG_DST = 0x10, REG_LEN = 0x18, REG_OP = 0x20,
            REG_ATTR = 0x24, REG_PATTERN = 0x28, REG_VALUE = 0x30, REG_DOORBELL = 0x38, REG_CONTROL = 0x3C,
            REG_RESULT = 0x40, REG_BYTES = 0x44, REG_FAULT_ADDR = 0x48, REG_CHECKSUM = 0x50,
            REG_COMPLETIONS = 0x58, REG_IRQ_STATUS = 0x5C;
    public static final int ID_VALUE = 0xDA7A0001;

    /** OP register values. */
    public enum Op { COPY, FILL, CHECKSUM, WRITE_VALUE, TOUCH }

    /** RESULT register values, in register order. */
    public enum Result { IDLE, BUSY, DONE, TRANSLATION_FAULT, PERMISSION_FAULT, BUS_MASTER_DISABLED, DECODE_ERROR, INVALID }

    /** What one operation left in the result registers. */
    public record Outcome(Result result, long bytes, long faultAddress) {
    }

    public DmaTestDriver(PciDev dev) {
        super(dev, VENDOR, DEVICE, "a dmatest device");
    }

    /** Enables decoding and bus mastering and checks the ID register. */
    public void probe() {
        dev.enable();
        int id = dev.barReadl(0, REG_ID);
        if (id != ID_VALUE) {
            throw new IllegalStateException("dmatest ID register reads 0x" + Integer.toHexString(id));
        }
    }

    /** Routes completion to MSI-X vector 0 with the given message (table in BAR2). */
    public void enableMsix(long address, int data) {
        MsixCap msix = dev.msix().orElseThrow(() -> new IllegalStateException("dmatest without MSI-X"));
        msix.setup(0, address, data);
    }

    public Outcome copy(long src, long dst, int length) {
        dev.barWriteq(0, REG_SRC, src);
        return run(Op.COPY, dst, length);
    }

    public Outcome fill(long dst, int length, int pattern) {
        dev.barWritel(0, REG_PATTERN, pattern);
        return run(Op.FILL, dst, length);
    }

    /** Writes the low {@code length} (1..8) bytes of {@code value} to {@code dst}. */
    public Outcome writeValue(long dst, long value, int length) {
        dev.barWriteq(0, REG_VALUE, value);
        return run(Op.WRITE_VALUE, dst, length);
    }

    /** CRC-32 of {@code length} bytes at {@code src}, or the outcome's fault. */
    public Outcome checksum(long src, int length) {
        dev.barWriteq(0, REG_SRC, src);
        return run(Op.CHECKSUM, 0, length);
    }

    public long lastChecksum() {
        return dev.barReadq(0, REG_CHECKSUM);
    }

    public int completions() {
        return dev.barReadl(0, REG_COMPLETIONS);
    }

    private Outcome run(Op op, long dst, int length) {
        dev.barWriteq(0, REG_DST, dst);
        dev.barWritel(0, REG_LEN, length);
        dev.barWritel(0, REG_OP, op.ordinal());
        dev.barWritel(0, REG_DOORBELL, 1);
        Result r = result();
        for (int i = 0; r == Result.BUSY && i < VtdDriver.POLL_LIMIT; i++) {
            guest.clockStep();
            r = result();
        }
        return new Outcome(r, Integer.toUnsignedLong(dev.barReadl(0, REG_BYTES)), dev.barReadq(0, REG_FAULT_ADDR));
    }

    public Result result() {
        int v = dev.barReadl(0, REG_RESULT);
        Result[] all = Result.values();
        if (v < 0 || v >= all.length) {
            throw new IllegalStateException("dmatest RESULT holds unknown value " + v);
        }
        return all[v];
    }
}
