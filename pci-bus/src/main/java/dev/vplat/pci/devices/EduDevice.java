package dev.vplat.pci.devices;

import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.CapabilitySpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.pci.sdk.PciDeviceTypes;
import dev.vplat.pci.sdk.PciPlug;
import dev.vplat.platform.clock.Timer;
import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertySpec;
import dev.vplat.platform.device.PropertyValues;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;

/**
 * QEMU's educational PCI device, register-compatible with hw/misc/edu.c and docs/specs/edu.rst:
 * 1234:11E8 rev 0x10, class 00FF00, BAR0 1 MiB of registers, one 64-bit MSI at 0x40, INTA.
 *
 * <p>Deliberate differences from QEMU (docs/devices/edu.md): a DMA whose device-side range leaves
 * the 4 KiB buffer at 0x40000 is refused with a trace line and still completes (QEMU 7.2 aborts,
 * 9.1 logs and overruns its buffer); the factorial is computed on the virtual clock (immediately by
 * default, or after {@code fact_delay_ns}) instead of on a host thread.
 */
public final class EduDevice implements PciDevice {
    public static final String TYPE = "edu";
    public static final String DMA_MASK = "dma_mask";
    public static final String FACT_DELAY = "fact_delay_ns";

    static final int ID = 0x010000ED;
    static final int STATUS_COMPUTING = 0x01;
    static final int STATUS_IRQFACT = 0x80;
    static final int FACT_IRQ = 0x00000001;
    static final int DMA_IRQ = 0x00000100;
    static final long DMA_RUN = 0x1;
    static final long DMA_DIR_TO_RAM = 0x2;
    static final long DMA_IRQ_ON_DONE = 0x4;
    static final long DMA_START = 0x40000;
    static final int DMA_SIZE = 4096;
    static final long MS = 1_000_000L;
    /** QEMU arms the DMA timer at qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 100. */
    static final long DMA_DELAY_MS = 100;

    private final long dmaMask;
    private final long factDelayNs;
    private final byte[] buffer = new byte[DMA_SIZE];
    private DeviceContext ctx;
    private Timer dmaTimer;
    private Timer factTimer;
    private int addr4;
    private int fact;
    private int status;
    private int irqStatus;
    private long dmaSrc;
    private long dmaDst;
    private long dmaCount;
    private long dmaCmd;

    private EduDevice(PropertyValues props) {
        this.dmaMask = props.uint(DMA_MASK);
        this.factDelayNs = props.uint(FACT_DELAY);
    }

    /** The {@code edu} device type, with QEMU's {@code dma_mask} property. */
    public static DeviceType<PciPlug> type() {
        PropertySchema schema = new PropertySchema()
                .add(PropertySpec.uint(DMA_MASK, (1L << 28) - 1, 0, -1L, "mask applied to the RAM-side DMA address"))
                .add(PropertySpec.uint(FACT_DELAY, 0, 0, Long.MAX_VALUE,
                        "virtual ns the factorial takes (0: done within the write)"));
        return PciDeviceTypes.define(TYPE, "QEMU educational device (hw/misc/edu.c)", schema, EduDevice::new);
    }

    @Override
    public FunctionSpec realize(DeviceContext context) {
        this.ctx = context;
        this.dmaTimer = context.newTimer("dma", this::dmaDone);
        this.factTimer = context.newTimer("fact", this::factorialDone);
        MmioOps ops = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return mmioRead(offset, size);
            }

            @Override
            public void write(long offset, int size, long value) {
                mmioWrite(offset, size, value);
            }
        };
        return FunctionSpec.builder(0x1234, 0x11E8)
                .revision(0x10)
                .classCode(0x00FF00)
                .interruptPin(1)
                .bar(0, BarSpec.memory32(1 << 20, AccessRules.DWORD_QWORD_ALIGNED.readingZeroWhenInvalid(), ops))
                .capability(new CapabilitySpec.Msi(1, true, false, 0x40))
                .build();
    }

    /** edu_mmio_read: offsets below 0x80 only as dwords; anything unknown reads all-ones. */
    private long mmioRead(long addr, int size) {
        if (addr < 0x80 && size != 4) {
            return -1L;
        }
        switch ((int) addr) {
            case 0x00: return ID;
            case 0x04: return addr4 & 0xFFFF_FFFFL;
            case 0x08: return fact & 0xFFFF_FFFFL;
            case 0x20: return status;
            case 0x24: return irqStatus & 0xFFFF_FFFFL;
            case 0x80: return dmaSrc;
            case 0x88: return dmaDst;
            case 0x90: return dmaCount;
            case 0x98: return dmaCmd;
            default: return -1L;
        }
    }

    /** edu_mmio_write. */
    private void mmioWrite(long addr, int size, long val) {
        if (addr < 0x80 && size != 4) {
            return;
        }
        switch ((int) addr) {
            case 0x04:
                addr4 = ~(int) val;
                break;
            case 0x08:
                startFactorial((int) val);
                break;
            case 0x20:
                status = (val & STATUS_IRQFACT) != 0 ? status | STATUS_IRQFACT : status & ~STATUS_IRQFACT;
                break;
            case 0x60:
                raiseIrq((int) val);
                break;
            case 0x64:
                lowerIrq((int) val);
                break;
            case 0x80:
                if (!dmaBusy()) {
                    dmaSrc = val;
                }
                break;
            case 0x88:
                if (!dmaBusy()) {
                    dmaDst = val;
                }
                break;
            case 0x90:
                if (!dmaBusy()) {
                    dmaCount = val;
                }
                break;
            case 0x98:
                if ((val & DMA_RUN) != 0 && !dmaBusy()) {
                    dmaCmd = val;
                    dmaTimer.armAt((ctx.now() / MS + DMA_DELAY_MS) * MS);
                }
                break;
            default:
                break;
        }
    }

    private boolean dmaBusy() {
        return (dmaCmd & DMA_RUN) != 0;
    }

    private void startFactorial(int n) {
        if ((status & STATUS_COMPUTING) != 0) {
            return;
        }
        fact = n;
        status |= STATUS_COMPUTING;
        if (factDelayNs == 0) {
            factorialDone();
        } else {
            factTimer.armIn(factDelayNs);
        }
    }

    private void factorialDone() {
        fact = factorialMod32(fact);
        status &= ~STATUS_COMPUTING;
        if ((status & STATUS_IRQFACT) != 0) {
            raiseIrq(FACT_IRQ);
        }
    }

    /** N! modulo 2^32 for unsigned N; from 34! on the product holds 2^32, so it is 0. */
    static int factorialMod32(int n) {
        if (Integer.compareUnsigned(n, 34) >= 0) {
            return 0;
        }
        int result = 1;
        for (int i = 2; i <= n; i++) {
            result *= i;
        }
        return result;
    }

    /** edu_raise_irq: one MSI per raise while MSI is enabled, otherwise INTx held high. */
    private void raiseIrq(int bits) {
        irqStatus |= bits;
        if (irqStatus != 0) {
            if (ctx.interrupts().msiEnabled()) {
                ctx.interrupts().notify(0);
            } else {
                ctx.interrupts().setIntx(true);
            }
        }
    }

    /** edu_lower_irq: INTx drops when the status reaches zero; nothing to do in MSI mode. */
    private void lowerIrq(int bits) {
        irqStatus &= ~bits;
        if (irqStatus == 0 && !ctx.interrupts().msiEnabled()) {
            ctx.interrupts().setIntx(false);
        }
    }

    /** edu_dma_timer. */
    private void dmaDone() {
        if (!dmaBusy()) {
            return;
        }
        if ((dmaCmd & DMA_DIR_TO_RAM) == 0) {
            if (inBuffer(dmaDst, dmaCount)) {
                DmaResult r = ctx.dma().read(clamp(dmaSrc), buffer, (int) (dmaDst - DMA_START), (int) dmaCount);
                logFailure("read", r);
            }
        } else if (inBuffer(dmaSrc, dmaCount)) {
            DmaResult r = ctx.dma().write(clamp(dmaDst), buffer, (int) (dmaSrc - DMA_START), (int) dmaCount);
            logFailure("write", r);
        }
        dmaCmd &= ~DMA_RUN;
        if ((dmaCmd & DMA_IRQ_ON_DONE) != 0) {
            raiseIrq(DMA_IRQ);
        }
    }

    /** edu_check_range as fixed in QEMU 8.2 (count 0 and 4096 legal); a violation refuses the transfer. */
    private boolean inBuffer(long addr, long count) {
        long end = addr + count;
        boolean ok = addr >= DMA_START && addr < DMA_START + DMA_SIZE && Long.compareUnsigned(end, addr) >= 0
                && end <= DMA_START + DMA_SIZE;
        if (!ok) {
            ctx.log(String.format("DMA range 0x%x+0x%x out of bounds (0x%x-0x%x): transfer refused",
                    addr, count, DMA_START, DMA_START + DMA_SIZE - 1));
        }
        return ok;
    }

    /** edu_clamp_addr: the RAM-side address is ANDed with dma_mask. */
    private long clamp(long addr) {
        long masked = addr & dmaMask;
        if (masked != addr) {
            ctx.log(String.format("clamping DMA 0x%016x to 0x%016x", addr, masked));
        }
        return masked;
    }

    private void logFailure(String what, DmaResult r) {
        if (!r.ok()) {
            ctx.log("DMA " + what + " failed (" + r.status() + " at 0x" + Long.toHexString(r.faultAddress())
                    + "); edu does not see DMA errors and completes anyway");
        }
    }
}
