package com.example.ring;

import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.DeviceContext;
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
import dev.vplat.platform.regs.Register;
import dev.vplat.platform.regs.RegisterBank;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * A DMA ring engine: the driver fills descriptors in guest memory, moves TAIL past them and
 * rings the doorbell; the device walks the ring from HEAD, copies or checksums each buffer by
 * DMA, writes a completion status into the descriptor, advances HEAD and, once it has caught up
 * with TAIL, raises MSI-X vector 0.
 *
 * <p>BAR0 (4 KiB, 32- and 64-bit accesses):
 * <pre>
 * 0x00 ID         RO   0x52494E47 ("RING")
 * 0x08 RING_BASE  RW   64-bit bus address of descriptor 0 (32-byte aligned)
 * 0x10 RING_SIZE  RW   number of descriptors, a power of two up to the max_entries property
 * 0x14 HEAD       RO   next descriptor the device processes
 * 0x18 TAIL       RW   one past the last descriptor the driver made ready
 * 0x1C DOORBELL   WO   write 1: process HEAD..TAIL
 * 0x20 CONTROL    RW   bit 0 ENABLE, bit 1 IRQ (raise vector 0 on completion)
 * 0x24 STATUS     W1C  bit 0 ERROR: the ring was misconfigured or a descriptor fetch failed
 * 0x28 COMPLETED  RO   descriptors completed since reset
 * </pre>
 * A descriptor is 32 bytes, little-endian: {@code +0x00} source address (u64), {@code +0x08}
 * destination address (u64, copies only), {@code +0x10} length (u32), {@code +0x14} flags (u32:
 * bit 0 COPY, bit 1 CHECKSUM), {@code +0x18} status written by the device (u32: 1 done, 2 DMA
 * error, 3 invalid), {@code +0x1C} result (u32: the CRC-32 of the source for CHECKSUM, else the
 * bytes moved). BAR2 holds the MSI-X table and PBA (2 vectors; vector 0 signals completion).
 *
 * <p>With the {@code latency_ns} property the work happens on a timer that many virtual
 * nanoseconds after the doorbell (the guest then steps the clock); with 0 it is done before
 * the doorbell write returns.
 */
public final class RingDevice implements PciDevice {
    public static final String TYPE = "ring-dma";
    public static final int VENDOR_ID = 0x1234;
    public static final int DEVICE_ID = 0x7269;

    public static final int REG_ID = 0x00;
    public static final int REG_RING_BASE = 0x08;
    public static final int REG_RING_SIZE = 0x10;
    public static final int REG_HEAD = 0x14;
    public static final int REG_TAIL = 0x18;
    public static final int REG_DOORBELL = 0x1C;
    public static final int REG_CONTROL = 0x20;
    public static final int REG_STATUS = 0x24;
    public static final int REG_COMPLETED = 0x28;

    public static final int ID_VALUE = 0x52494E47;
    public static final int CONTROL_ENABLE = 1;
    public static final int CONTROL_IRQ = 2;
    public static final int STATUS_ERROR = 1;

    public static final int DESCRIPTOR_SIZE = 32;
    public static final int FLAG_COPY = 1;
    public static final int FLAG_CHECKSUM = 2;
    public static final int DESC_DONE = 1;
    public static final int DESC_DMA_ERROR = 2;
    public static final int DESC_INVALID = 3;

    /** Largest buffer one descriptor may name. */
    public static final int MAX_BUFFER = 1 << 20;

    private final long latencyNs;
    private final long maxEntries;
    private DeviceContext ctx;
    private RegisterBank regs;
    private Register ringBase;
    private Register ringSize;
    private Register head;
    private Register tail;
    private Register control;
    private Register status;
    private Register completed;
    private Timer work;

    private RingDevice(PropertyValues properties) {
        this.latencyNs = properties.uint("latency_ns");
        this.maxEntries = properties.uint("max_entries");
    }

    /** The {@code ring-dma} device type, with its own properties ({@code addr} and {@code bus} are added by the SDK). */
    public static DeviceType<PciPlug> type() {
        PropertySchema schema = new PropertySchema()
                .add(PropertySpec.uint("latency_ns", 0, 0, Long.MAX_VALUE,
                        "virtual ns from doorbell to processing (0: within the doorbell write)"))
                .add(PropertySpec.uint("max_entries", 256, 1, 1 << 16, "largest RING_SIZE accepted"));
        return PciDeviceTypes.define(TYPE, "DMA ring engine (docs/devices/writing-a-device.md)", schema,
                RingDevice::new);
    }

    @Override
    public FunctionSpec realize(DeviceContext context) {
        this.ctx = context;
        this.work = context.newTimer("work", this::processRing);
        regs = context.registerBank(4096).unassignedRead(0);
        regs.define(Register.u32("ID", REG_ID).reset(ID_VALUE));
        ringBase = regs.define(Register.u64("RING_BASE", REG_RING_BASE).rw(~(long) (DESCRIPTOR_SIZE - 1)));
        ringSize = regs.define(Register.u32("RING_SIZE", REG_RING_SIZE).rw(0xFFFF_FFFFL));
        head = regs.define(Register.u32("HEAD", REG_HEAD));
        tail = regs.define(Register.u32("TAIL", REG_TAIL).rw(0xFFFF_FFFFL));
        regs.define(Register.u32("DOORBELL", REG_DOORBELL).writeOnly().rw(1).onWrite(w -> {
            if ((w.onesWritten() & 1) != 0) {
                doorbell();
            }
        }));
        control = regs.define(Register.u32("CONTROL", REG_CONTROL).rw(CONTROL_ENABLE | CONTROL_IRQ)
                .field("ENABLE", 0).field("IRQ", 1));
        status = regs.define(Register.u32("STATUS", REG_STATUS).w1c(STATUS_ERROR).field("ERROR", 0));
        completed = regs.define(Register.u32("COMPLETED", REG_COMPLETED));
        return FunctionSpec.builder(VENDOR_ID, DEVICE_ID)
                .classCode(0x088000) // base system peripheral, other
                .bar(0, BarSpec.memory64(4096, false, AccessRules.DWORD_QWORD_ALIGNED, regs))
                .bar(2, BarSpec.msixOnly(4096))
                .pcie(PcieType.ENDPOINT, true)
                .msix(2, 2, 0, 2, 0x800)
                .build();
    }

    @Override
    public void reset() {
        work.cancel();
        regs.reset();
    }

    private void doorbell() {
        if ((control.value() & CONTROL_ENABLE) == 0) {
            ctx.log("doorbell while disabled ignored");
        } else if (latencyNs == 0) {
            processRing();
        } else if (!work.armed()) {
            work.armIn(latencyNs);
        }
    }

    /** Walks HEAD up to TAIL; stops (setting STATUS.ERROR) when the ring itself is unusable. */
    private void processRing() {
        long size = ringSize.value();
        if (size == 0 || Long.bitCount(size) != 1 || size > maxEntries || tail.value() >= size) {
            ctx.log("ring misconfigured: RING_SIZE " + size + " TAIL " + tail.value());
            status.set(status.value() | STATUS_ERROR);
            return;
        }
        int done = 0;
        while (head.value() != tail.value()) {
            long at = ringBase.value() + head.value() * DESCRIPTOR_SIZE;
            if (!processDescriptor(at)) {
                status.set(status.value() | STATUS_ERROR);
                break;
            }
            head.set((head.value() + 1) & (size - 1));
            completed.set(completed.value() + 1);
            done++;
        }
        if (done > 0 && (control.value() & CONTROL_IRQ) != 0) {
            ctx.interrupts().notify(0);
        }
    }

    /** Returns false when the descriptor could not be fetched or its status not written back. */
    private boolean processDescriptor(long at) {
        byte[] raw = new byte[DESCRIPTOR_SIZE];
        DmaResult fetch = ctx.dma().read(at, raw);
        if (!fetch.ok()) {
            ctx.log("descriptor fetch at 0x" + Long.toHexString(at) + " failed: " + fetch.status());
            return false;
        }
        ByteBuffer d = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long src = d.getLong(0x00);
        long dst = d.getLong(0x08);
        int length = d.getInt(0x10);
        int flags = d.getInt(0x14);
        int outcome;
        int result = 0;
        if (length <= 0 || length > MAX_BUFFER || Integer.bitCount(flags & (FLAG_COPY | FLAG_CHECKSUM)) != 1) {
            outcome = DESC_INVALID;
        } else {
            byte[] buffer = new byte[length];
            DmaResult r = ctx.dma().read(src, buffer);
            if (r.ok() && (flags & FLAG_COPY) != 0) {
                r = ctx.dma().write(dst, buffer);
                result = length;
            } else if (r.ok()) {
                CRC32 crc = new CRC32();
                crc.update(buffer);
                result = (int) crc.getValue();
            }
            outcome = r.ok() ? DESC_DONE : DESC_DMA_ERROR;
            if (!r.ok()) {
                ctx.log("descriptor at 0x" + Long.toHexString(at) + ": " + r.status() + " at 0x"
                        + Long.toHexString(r.faultAddress()));
            }
        }
        byte[] completion = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(outcome).putInt(result).array();
        return ctx.dma().write(at + 0x18, completion).ok();
    }
}
