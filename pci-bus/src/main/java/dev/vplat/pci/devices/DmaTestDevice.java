package dev.vplat.pci.devices;

import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.DmaPort;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.pci.sdk.PcieType;
import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertySpec;
import dev.vplat.platform.device.PropertyValues;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.regs.Register;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.platform.trace.TraceCategory;

import java.util.zip.CRC32;

/**
 * A DMA engine made for IOMMU testing (register map in docs/devices/dmatest.md): a PCIe
 * endpoint 1234:DA7A with FLR, PM, MSI-X (4 vectors, table and PBA in BAR2), ATS and PASID. The
 * driver programs IOVAs, length, optional PASID, an operation (copy, fill, checksum, write value,
 * touch with a read/write/both attribute) and rings the doorbell; RESULT then tells done or the
 * DMA failure the IOMMU produced (translation fault, permission fault, bus mastering disabled,
 * decode error) with the faulting IOVA, and MSI-X vector 0 (or INTA) signals completion.
 */
public final class DmaTestDevice implements PciDevice {
    public static final String TYPE = "dmatest";
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0xDA7A;

    /* BAR0 register offsets. */
    public static final int REG_ID = 0x00;
    public static final int REG_SRC = 0x08;
    public static final int REG_DST = 0x10;
    public static final int REG_LEN = 0x18;
    public static final int REG_PASID = 0x1C;
    public static final int REG_OP = 0x20;
    public static final int REG_ATTR = 0x24;
    public static final int REG_PATTERN = 0x28;
    public static final int REG_VALUE = 0x30;
    public static final int REG_DOORBELL = 0x38;
    public static final int REG_CONTROL = 0x3C;
    public static final int REG_RESULT = 0x40;
    public static final int REG_BYTES = 0x44;
    public static final int REG_FAULT_ADDR = 0x48;
    public static final int REG_CHECKSUM = 0x50;
    public static final int REG_COMPLETIONS = 0x58;
    public static final int REG_IRQ_STATUS = 0x5C;

    public static final int ID_VALUE = 0xDA7A0001;
    public static final int PASID_ENABLE = 1 << 31;
    public static final int OP_COPY = 0;
    public static final int OP_FILL = 1;
    public static final int OP_CHECKSUM = 2;
    public static final int OP_WRITE_VALUE = 3;
    public static final int OP_TOUCH = 4;
    public static final int ATTR_READ = 1;
    public static final int ATTR_WRITE = 2;
    public static final int CONTROL_IRQ = 1;

    public static final int RESULT_IDLE = 0;
    public static final int RESULT_BUSY = 1;
    public static final int RESULT_DONE = 2;
    public static final int RESULT_TRANSLATION_FAULT = 3;
    public static final int RESULT_PERMISSION_FAULT = 4;
    public static final int RESULT_BUS_MASTER_DISABLED = 5;
    public static final int RESULT_DECODE_ERROR = 6;
    public static final int RESULT_INVALID = 7;

    static final int CHUNK = 64 * 1024;

    private final long delayNs;
    private final long maxLength;
    private final boolean acs;
    private DeviceContext ctx;
    private RegisterBank regs;
    private Timer completion;
    private Register src;
    private Register dst;
    private Register len;
    private Register pasid;
    private Register op;
    private Register attr;
    private Register pattern;
    private Register value;
    private Register control;
    private Register result;
    private Register bytes;
    private Register faultAddr;
    private Register checksum;
    private Register completions;
    private Register irqStatus;

    private DmaTestDevice(PropertyValues props) {
        this.delayNs = props.uint("delay_ns");
        this.maxLength = props.uint("max_len");
        this.acs = props.bool("acs");
    }

    /** The {@code dmatest} device type. */
    public static DeviceType<PciPlug> type() {
        PropertySchema schema = new PropertySchema()
                .add(PropertySpec.uint("delay_ns", 0, 0, Long.MAX_VALUE,
                        "virtual ns from doorbell to completion (0: complete within the doorbell write)"))
                .add(PropertySpec.uint("max_len", 1 << 20, 1, 1 << 30, "largest LEN accepted"))
                .add(PropertySpec.bool("acs", false, "declare an ACS capability (isolates a multifunction slot)"));
        return PciDeviceTypes.define(TYPE, "DMA engine for IOMMU testing", schema, DmaTestDevice::new);
    }

    @Override
    public FunctionSpec realize(DeviceContext context) {
        this.ctx = context;
        this.completion = context.newTimer("completion", this::execute);
        regs = new RegisterBank(context.name(), 4096, context.trace(), TraceCategory.DEVICE).unassignedRead(0);
        regs.define(Register.u32("ID", REG_ID).reset(ID_VALUE));
        src = regs.define(Register.u64("SRC", REG_SRC).rw(-1L));
        dst = regs.define(Register.u64("DST", REG_DST).rw(-1L));
        len = regs.define(Register.u32("LEN", REG_LEN).rw(0xFFFF_FFFFL));
        pasid = regs.define(Register.u32("PASID", REG_PASID).rw(PASID_ENABLE | 0xF_FFFFL)
                .field("PASID", 0, 20).field("EN", 31));
        op = regs.define(Register.u32("OP", REG_OP).rw(0x7));
        attr = regs.define(Register.u32("ATTR", REG_ATTR).rw(0x3).reset(ATTR_READ | ATTR_WRITE));
        pattern = regs.define(Register.u32("PATTERN", REG_PATTERN).rw(0xFFFF_FFFFL));
        value = regs.define(Register.u64("VALUE", REG_VALUE).rw(-1L));
        regs.define(Register.u32("DOORBELL", REG_DOORBELL).writeOnly().rw(1).onWrite(w -> {
            if ((w.onesWritten() & 1) != 0) {
                ring();
            }
        }));
        control = regs.define(Register.u32("CONTROL", REG_CONTROL).rw(CONTROL_IRQ).reset(CONTROL_IRQ).field("IRQ", 0));
        result = regs.define(Register.u32("RESULT", REG_RESULT));
        bytes = regs.define(Register.u32("BYTES", REG_BYTES));
        faultAddr = regs.define(Register.u64("FAULT_ADDR", REG_FAULT_ADDR));
        checksum = regs.define(Register.u64("CHECKSUM", REG_CHECKSUM));
        completions = regs.define(Register.u32("COMPLETIONS", REG_COMPLETIONS));
        irqStatus = regs.define(Register.u32("IRQ_STATUS", REG_IRQ_STATUS).w1c(1).onWrite(w -> updateIntx()));
        MmioOps unusedMsixBar = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long v) {
                // Only the MSI-X table and PBA live in BAR2; the rest is reserved.
            }
        };
        FunctionSpec.Builder b = FunctionSpec.builder(VENDOR_ID, DEVICE_ID)
                .revision(1)
                .classCode(0x00FF00)
                .interruptPin(1)
                .bar(0, BarSpec.memory64(4096, false, AccessRules.DWORD_QWORD_ALIGNED, regs))
                .bar(2, BarSpec.memory32(4096, AccessRules.DWORD_QWORD_ALIGNED, unusedMsixBar))
                .pcie(PcieType.ENDPOINT, true)
                .powerManagement()
                .msix(4, 2, 0, 2, 0x800)
                .ats()
                .pasid(20, false, false);
        if (acs) {
            b.acs(0x1F);
        }
        return b.build();
    }

    @Override
    public void reset() {
        completion.cancel();
        regs.reset();
    }

    private void ring() {
        if (result.value() == RESULT_BUSY) {
            ctx.log("doorbell while busy ignored");
            return;
        }
        result.set(RESULT_BUSY);
        if (delayNs == 0) {
            execute();
        } else {
            completion.armIn(delayNs);
        }
    }

    private void execute() {
        long length = len.value();
        int pasidValue = (pasid.value() & PASID_ENABLE) != 0 ? (int) (pasid.value() & 0xF_FFFF) : DmaPort.NO_PASID;
        int operation = (int) op.value();
        DmaResult r;
        if (length == 0 || length > maxLength || operation > OP_TOUCH
                || (operation == OP_WRITE_VALUE && length > 8)) {
            ctx.log("invalid request: op " + operation + " length " + length);
            finish(RESULT_INVALID, 0, 0);
            return;
        }
        switch (operation) {
            case OP_COPY: r = copy(pasidValue, length); break;
            case OP_FILL: r = fill(pasidValue, length); break;
            case OP_CHECKSUM: r = checksum(pasidValue, length); break;
            case OP_WRITE_VALUE: r = writeValue(pasidValue, (int) length); break;
            default: r = touch(pasidValue, (int) Math.min(length, CHUNK)); break;
        }
        finish(code(r.status()), r.ok() ? length : r.transferred(), r.ok() ? 0 : r.faultAddress());
    }

    private DmaResult copy(int p, long length) {
        byte[] buf = new byte[(int) Math.min(length, CHUNK)];
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(buf.length, length - done);
            DmaResult r = ctx.dma().read(src.value() + done, p, buf, 0, n);
            if (!r.ok()) {
                return DmaResult.failed(r.status(), r.faultAddress(), done + r.transferred());
            }
            r = ctx.dma().write(dst.value() + done, p, buf, 0, n);
            if (!r.ok()) {
                return DmaResult.failed(r.status(), r.faultAddress(), done + r.transferred());
            }
            done += n;
        }
        return DmaResult.ok(length);
    }

    private DmaResult fill(int p, long length) {
        byte[] buf = new byte[(int) Math.min(length, CHUNK)];
        int pat = (int) pattern.value();
        for (int i = 0; i < buf.length; i++) {
            buf[i] = (byte) (pat >>> (8 * (i & 3)));
        }
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(buf.length, length - done);
            DmaResult r = ctx.dma().write(dst.value() + done, p, buf, 0, n);
            if (!r.ok()) {
                return DmaResult.failed(r.status(), r.faultAddress(), done + r.transferred());
            }
            done += n;
        }
        return DmaResult.ok(length);
    }

    /** CRC-32 (IEEE 802.3, as java.util.zip.CRC32 and zlib's crc32) of the source range. */
    private DmaResult checksum(int p, long length) {
        byte[] buf = new byte[(int) Math.min(length, CHUNK)];
        CRC32 crc = new CRC32();
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(buf.length, length - done);
            DmaResult r = ctx.dma().read(src.value() + done, p, buf, 0, n);
            if (!r.ok()) {
                return DmaResult.failed(r.status(), r.faultAddress(), done + r.transferred());
            }
            crc.update(buf, 0, n);
            done += n;
        }
        checksum.set(crc.getValue());
        return DmaResult.ok(length);
    }

    private DmaResult writeValue(int p, int length) {
        byte[] buf = new byte[length];
        long v = value.value();
        for (int i = 0; i < length; i++) {
            buf[i] = (byte) (v >>> (8 * i));
        }
        return ctx.dma().write(dst.value(), p, buf, 0, length);
    }

    /** Reads and/or writes back DST as ATTR says: probes an IOMMU mapping's permissions. */
    private DmaResult touch(int p, int length) {
        byte[] buf = new byte[length];
        int a = (int) attr.value();
        if ((a & ATTR_READ) != 0) {
            DmaResult r = ctx.dma().read(dst.value(), p, buf, 0, length);
            if (!r.ok()) {
                return r;
            }
        }
        if ((a & ATTR_WRITE) != 0) {
            if ((a & ATTR_READ) == 0) {
                int pat = (int) pattern.value();
                for (int i = 0; i < length; i++) {
                    buf[i] = (byte) (pat >>> (8 * (i & 3)));
                }
            }
            return ctx.dma().write(dst.value(), p, buf, 0, length);
        }
        return DmaResult.ok(length);
    }

    private static int code(DmaStatus status) {
        switch (status) {
            case OK: return RESULT_DONE;
            case TRANSLATION_FAULT: return RESULT_TRANSLATION_FAULT;
            case PERMISSION_FAULT: return RESULT_PERMISSION_FAULT;
            case BUS_MASTER_DISABLED: return RESULT_BUS_MASTER_DISABLED;
            default: return RESULT_DECODE_ERROR;
        }
    }

    private void finish(int code, long transferred, long fault) {
        result.set(code);
        bytes.set(transferred);
        faultAddr.set(fault);
        completions.set(completions.value() + 1);
        if (control.value() != 0 && !ctx.interrupts().notify(0)) {
            irqStatus.set(1);
            updateIntx();
        }
    }

    private void updateIntx() {
        ctx.interrupts().setIntx(irqStatus.value() != 0 && !ctx.interrupts().msixEnabled());
    }
}
